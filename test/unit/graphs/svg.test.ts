import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketise, type Sample } from '../../../src/graphs/buckets.js';
import { formatMs, GRAPH, lossColour, niceCeiling, renderGraph } from '../../../src/graphs/svg.js';

process.env.TZ = 'UTC';
const T0 = Date.parse('2026-11-30T12:00:00Z');
const MIN = 60_000;

/** An hour, a probe every 10 s: 20 minutes near 11 ms, a 5-minute outage, then a step to 41 ms
 * with one lost probe in minute 30. */
function hour(): Sample[] {
  const out: Sample[] = [];
  for (let m = 0; m < 60; m++) {
    const base = m < 20 ? [10, 10, 11, 12, 13, 14] : [40, 40, 41, 42, 43, 44];
    for (let k = 0; k < 6; k++) {
      const time = T0 + m * MIN + k * 10_000;
      const lost = (m >= 20 && m < 25) || (m === 30 && k === 5);
      out.push(
        lost ? { time, rttMs: undefined, lossPct: 100 } : { time, rttMs: base[k], lossPct: 0 },
      );
    }
  }
  return out;
}

/** The attributes of every element of `cls` in the SVG, in order. */
function elements(svg: string, tag: string, cls: string): Record<string, string>[] {
  const re = new RegExp(`<${tag} class="${cls}"([^>]*)/>`, 'g');
  return [...svg.matchAll(re)].map((m) =>
    Object.fromEntries([...(m[1] as string).matchAll(/(\S+)="([^"]*)"/g)].map((a) => [a[1], a[2]])),
  );
}

describe('graph geometry', () => {
  const buckets = bucketise(hour(), T0, T0 + 60 * MIN, 60);
  const svg = renderGraph([
    {
      host: 'h.test',
      from: T0,
      to: T0 + 60 * MIN,
      buckets,
      availabilityPct: 91.389,
      lossPct: 8.611,
      medianMs: 41,
    },
  ]);
  const { top, height, bottom, left, width, right } = GRAPH;
  const plotH = height - top - bottom;
  const yMax = 50; // the largest 90th percentile is 44 ms
  const y = (ms: number) => Math.round((top + plotH - (ms / yMax) * plotH) * 10) / 10;
  const bw = (width - left - right) / 60;

  it('buckets with the nearest-rank figures', () => {
    assert.deepEqual(buckets[0]?.rtt, {
      min: 10,
      p10: 10,
      p25: 10,
      median: 11,
      p75: 13,
      p90: 14,
      max: 14,
    });
    assert.equal(buckets[30]?.failed, 1);
    assert.equal(buckets[30]?.lossPct, 16.667);
    assert.equal(buckets[22]?.rtt, undefined);
  });

  it('draws the median of each bucket where its value is, coloured by its loss', () => {
    const medians = elements(svg, 'line', 'median');
    assert.equal(medians.length, 55, 'no median in the 5 minutes without a reply');
    assert.equal(Number(medians[0]?.y1), y(11));
    assert.equal(Number(medians[0]?.x1), left);
    assert.equal(Number(medians[0]?.x2), Math.round((left + bw) * 10) / 10);
    assert.equal(Number(medians[20]?.y1), y(41), 'the step, after the outage');
    assert.equal(medians[0]?.stroke, lossColour(0));
    const lossy = medians.find((m) => m['data-loss'] === '16.667');
    assert.equal(lossy?.stroke, '#e08a00');
  });

  it('draws the spread as smoke: 10th to 90th percentile, and 25th to 75th darker', () => {
    const smoke = elements(svg, 'rect', 'smoke');
    assert.equal(Number(smoke[0]?.y), y(14));
    assert.ok(Math.abs(Number(smoke[0]?.height) - (y(10) - y(14))) <= 0.11);
    const core = elements(svg, 'rect', 'smoke-core');
    assert.equal(Number(core[0]?.y), y(13));
  });

  it('marks the outage along the time axis, and a lost probe apart', () => {
    const outages = elements(svg, 'rect', 'outage');
    assert.equal(outages.length, 5);
    assert.equal(Number(outages[0]?.x), Math.round((left + 20 * bw) * 10) / 10);
    assert.deepEqual(
      elements(svg, 'rect', 'lost').map((r) => r['data-failed']),
      ['1'],
    );
  });

  it('labels the axes in human units and the title with the figures', () => {
    assert.match(svg, />50 ms</);
    assert.match(svg, />12:00</);
    assert.match(svg, />13:00</);
    assert.match(svg, /h\.test: last 1h; availability 91\.389%, loss 8\.611%, median 41 ms/);
    assert.match(svg, /viewBox="0 0 800 220" width="100%"/, 'scales down to a phone');
  });

  it('escapes what it writes', () => {
    const out = renderGraph([
      {
        host: '<b>&"',
        from: T0,
        to: T0 + MIN,
        buckets: [],
        availabilityPct: undefined,
        lossPct: undefined,
        medianMs: undefined,
      },
    ]);
    assert.ok(!out.includes('<b>'));
    assert.match(out, /&#60;b&#62;&#38;&#34;/);
  });
});

describe('units', () => {
  it('chooses µs, ms or s', () => {
    assert.deepEqual([0.042, 27.8, 1500, 0].map(formatMs), ['42 µs', '27.8 ms', '1.5 s', '0']);
    assert.deepEqual([0.04, 44, 130, 0].map(niceCeiling), [0.05, 50, 200, 1]);
  });
});
