import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Frame } from '../../../src/graphs/buckets.js';
import {
  formatMs,
  formatPct,
  LOSS_BANDS,
  lossBand,
  renderGraph,
  renderOverview,
} from '../../../src/graphs/svg.js';
import { Streak } from '../../../src/graphs/tally.js';
import { random } from '../../helpers/ping-log.js';

process.env.TZ = 'UTC';
const T0 = Date.parse('2026-11-30T12:00:00Z');
const MIN = 60_000;
const DAY = 1440 * MIN;

/** A frame of [from, to) fed probe by probe, as a source feeds it. */
function frameOf(
  from: number,
  to: number,
  columns: number,
  everyMs: number,
  probe: (t: number) => number | undefined,
): Frame {
  const frame = new Frame(from, to, columns);
  const streak = new Streak();
  for (let t = from; t < to; t += everyMs) {
    const rtt = probe(t);
    frame.add(t, rtt, rtt === undefined ? 100 : 0, streak.next(rtt === undefined));
  }
  return frame;
}

/** The attributes of every element of `cls`, in order. */
function elements(svg: string, tag: string, cls: string): Record<string, string>[] {
  const re = new RegExp(`<${tag} class="${cls}"([^>]*?)/?>`, 'g');
  return [...svg.matchAll(re)].map((m) =>
    Object.fromEntries([...(m[1] as string).matchAll(/(\S+)="([^"]*)"/g)].map((a) => [a[1], a[2]])),
  );
}

describe('a panel', () => {
  // An hour at 10 s: 11 ms, a 5-minute outage at minute 20, then 41 ms with one lost probe.
  const frame = frameOf(T0, T0 + 60 * MIN, 60, 10_000, (t) => {
    const m = Math.floor((t - T0) / MIN);
    if (m >= 20 && m < 25) return undefined;
    if (m === 30 && (t - T0) % MIN === 50_000) return undefined;
    return m < 20 ? 11 : 41;
  });
  const svg = renderGraph([{ host: 'h.test', frame }]);

  it('draws a median per bucket with replies, coloured by its loss band', () => {
    const medians = elements(svg, 'rect', 'median');
    assert.equal(medians.length, 55, 'none in the 5 minutes without a reply');
    assert.equal(medians[0]?.fill, lossBand(0).colour);
    const lossy = medians.find((m) => m['data-loss'] === '16.7');
    assert.equal(lossy?.fill, lossBand(16.7).colour);
  });

  it('marks the outage, and not the one lost probe', () => {
    const outages = elements(svg, 'rect', 'outage');
    assert.equal(outages.length, 5);
    assert.deepEqual(
      elements(svg, 'rect', 'loss').map((r) => r['data-loss']),
      ['100', '100', '100', '100', '100', '16.7'],
    );
  });

  it('has a title with the host and the dates, figures, round ticks, a legend and the zone', () => {
    assert.match(svg, /h\.test — 2026-11-30 12:00 to 2026-11-30 13:00/);
    assert.match(svg, /availability 91\.4% · loss 8\.61% · median 41 ms · max 41 ms/);
    assert.match(svg, />12:10</);
    assert.match(svg, />50 ms</);
    for (const band of LOSS_BANDS) {
      assert.ok(svg.includes(`>${band.label.replace('<', '&#60;')}<`), band.label);
    }
    assert.match(svg, /outage \(no reply for 2\+ probes\)/);
    assert.match(svg, /times in UTC\+00:00/);
  });

  it('marks a spike at the edge instead of squashing the baseline', () => {
    const spiky = frameOf(T0, T0 + 60 * MIN, 180, 3000, (t) => (t === T0 + 30 * MIN ? 230 : 7));
    const out = renderGraph([{ host: 's', frame: spiky }]);
    assert.match(out, />10 ms</, 'the scale follows the 7 ms baseline');
    const spikes = elements(out, 'path', 'spike').filter((e) => e['data-max'] !== undefined);
    assert.equal(spikes.length, 1);
    assert.equal(spikes[0]?.['data-max'], '230');
  });

  it('keeps a logarithmic or shared scale on request', () => {
    const slow = frameOf(T0, T0 + 60 * MIN, 60, 10_000, () => 300);
    const shared = renderGraph(
      [
        { host: 'a', frame },
        { host: 'b', frame: slow },
      ],
      { scale: 'shared' },
    );
    assert.equal((shared.match(/>500 ms</g) ?? []).length, 2, 'both panels up to 500 ms');
    const log = renderGraph([{ host: 'a', frame }], { scale: 'log' });
    assert.match(log, />10 ms</);
    assert.match(log, />100 ms</);
  });

  it('escapes what it writes', () => {
    const out = renderGraph([{ host: '<b>&"', frame: new Frame(T0, T0 + MIN, 1) }]);
    assert.ok(!out.includes('<b>'));
    assert.match(out, /&#60;b&#62;&#38;&#34;/);
  });
});

describe('what a day shows', () => {
  const rnd = random(7);
  it('0.5% random loss: faint loss marks, no outage unless two probes in a row were lost', () => {
    const lost = new Set<number>();
    const frame = frameOf(T0, T0 + DAY, 360, 3000, (t) => {
      if (rnd() < 0.005) lost.add(t);
      return lost.has(t) ? undefined : 7;
    });
    const svg = renderGraph([{ host: 'h', frame }]);
    let runs = 0;
    for (const t of lost) if (lost.has(t + 3000) && !lost.has(t - 3000)) runs++;
    const marks = elements(svg, 'rect', 'outage').length;
    assert.ok(marks >= runs && marks <= 2 * runs, `${marks} marks for ${runs} runs`);
    const losses = elements(svg, 'rect', 'loss');
    assert.ok(losses.length > 50);
    assert.ok(
      losses.every((l) => Number(l['data-loss']) <= 5),
      'light bands only',
    );
  });

  it('a five-minute outage shows however long the range', () => {
    const out = T0 + 10 * 3_600_000;
    const frame = frameOf(T0, T0 + DAY, 360, 3000, (t) =>
      t >= out && t < out + 5 * MIN ? undefined : 7,
    );
    const marks = elements(renderGraph([{ host: 'h', frame }]), 'rect', 'outage');
    assert.ok(marks.length >= 1 && marks.length <= 3);
    assert.ok(marks.every((m) => Number(m.width) >= 2));
  });
});

describe('the overview', () => {
  it('draws a thousand hosts as rows of 12 px, in the order given', () => {
    const panels = Array.from({ length: 1000 }, (_, i) => ({
      host: `h${String(i).padStart(4, '0')}.test`,
      frame: frameOf(T0, T0 + DAY, 100, 15 * MIN, (t) =>
        i === 500 && t > T0 + DAY / 2 ? undefined : 5 + (i % 50),
      ),
    }));
    const svg = renderOverview(panels);
    const height = Number(/viewBox="0 0 800 (\d+)"/.exec(svg)?.[1]);
    assert.equal(height, 40 + 12_000 + 70);
    const hosts = [...svg.matchAll(/<g class="host" data-host="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(hosts.length, 1000);
    assert.deepEqual(hosts.slice(0, 2), ['h0000.test', 'h0001.test']);
    assert.match(svg, /h0500\.test 49% 5 ms/);
    assert.ok(svg.length < 20_000_000);
  });
});

describe('units', () => {
  it('one convention: µs, ms or s; percentages to a sensible precision', () => {
    assert.deepEqual([0.034, 27.8, 1500, 0].map(formatMs), ['34 µs', '27.8 ms', '1.5 s', '0']);
    assert.deepEqual([0, 0.5123, 12.345, 100].map(formatPct), ['0%', '0.51%', '12.3%', '100%']);
  });
});
