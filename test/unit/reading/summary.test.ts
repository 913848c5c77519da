import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type LogEvent, parseLogLine } from '../../../src/ping-log/format.js';
import { formatSummary, percentile, summarise } from '../../../src/reading/summary.js';

// The fixture's text times are in Shanghai; the summary prints local times.
process.env.TZ = 'Asia/Shanghai';

const lines = readFileSync(new URL('../../fixtures/summary.log', import.meta.url), 'utf8').split(
  '\n',
);
const events = lines.map(parseLogLine).filter((e): e is LogEvent => e !== undefined);

describe('summarise', () => {
  it('matches the hand-computed figures of test/fixtures/summary.log', () => {
    // a.test: 5 probes (text and json lines mixed): 4 up, 1 down; loss (0+50+0+100+0)/5 = 30;
    // rtt 10, 20, 30, 40: min 10, avg 25, p50 20 (nearest rank 2 of 4), p95 40, max 40.
    // stddev: sqrt(((-15)² + (-5)² + 5² + 15²) / 4) = sqrt(125) = 11.180; jitter: 10, 10, 10 → 10;
    // availability 4/5; one outage, from the down line (20:00:11.000) to the next reply
    // (20:00:12.040): 1.04 s; the lines span 20:00:00.010 to 20:00:12.040.
    // b.test: 2 probes, 1 up, 1 error; loss from the up probe only: 0; rtt 5, stddev 0, no
    // jitter from one reply; the error to the reply is an outage of 2.905 s.
    assert.deepEqual(summarise(events), [
      {
        host: 'a.test',
        probes: 5,
        up: 4,
        down: 1,
        error: 0,
        availabilityPct: 80,
        lossPct: 30,
        rtt: { min: 10, avg: 25, p50: 20, p95: 40, max: 40, stddev: 11.18, jitter: 10 },
        outages: { count: 1, longestS: 1.04, totalS: 1.04 },
        span: { from: '2026-11-24T12:00:00.010Z', to: '2026-11-24T12:00:12.040Z', seconds: 12.03 },
      },
      {
        host: 'b.test',
        probes: 2,
        up: 1,
        down: 0,
        error: 1,
        availabilityPct: 50,
        lossPct: 0,
        rtt: { min: 5, avg: 5, p50: 5, p95: 5, max: 5, stddev: 0, jitter: undefined },
        outages: { count: 1, longestS: 2.905, totalS: 2.905 },
        span: { from: '2026-11-24T12:00:00.100Z', to: '2026-11-24T12:00:03.005Z', seconds: 2.905 },
      },
    ]);
  });

  it('prints one line per host', () => {
    assert.equal(
      formatSummary(summarise(events)),
      'a.test: 5 probes, 4 up, 1 down, 0 error, availability 80%, loss 30%, rtt min/avg/p50/p95/max = 10/25/20/40/40 ms, stddev 11.18 ms, jitter 10 ms, 1 outage (longest 1s, 1s in all), over 12s from 2026-11-24T20:00:00.010+08:00\n' +
        'b.test: 2 probes, 1 up, 0 down, 1 error, availability 50%, loss 0%, rtt min/avg/p50/p95/max = 5/5/5/5/5 ms, stddev 0 ms, jitter -, 1 outage (longest 2.9s, 2.9s in all), over 2.9s from 2026-11-24T20:00:00.100+08:00\n',
    );
    assert.equal(formatSummary([]), 'no probes in the lines read\n');
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(v, 50), 50);
    assert.equal(percentile(v, 95), 95);
    assert.equal(percentile(v, 100), 100);
    assert.equal(percentile([7], 95), 7);
  });
});

describe('summarise, checked by another method', () => {
  it('agrees with figures worked out from whole arrays on 2,000 generated probes', () => {
    // A deterministic generator: RTTs around 20 ms, a failure now and then, runs of them too.
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const t0 = Date.parse('2026-11-30T00:00:00Z');
    const probes = Array.from({ length: 2000 }, (_, i) => {
      const failed = random() < 0.05 || (i >= 500 && i < 520);
      return {
        time: new Date(t0 + i * 1000),
        rtt: failed ? undefined : Math.round((15 + random() * 10) * 1000) / 1000,
      };
    });
    const lines: LogEvent[] = probes.map((p, i) => ({
      time: p.time,
      event: 'end',
      host: 'g.test',
      seq: i + 1,
      status: p.rtt === undefined ? 'down' : 'up',
      ...(p.rtt === undefined ? { lossPct: 100 } : { rttMs: p.rtt, lossPct: 0 }),
    }));
    const [s] = summarise(lines);
    // Two-pass standard deviation and pairwise differences over the array of replies.
    const rtts = probes.flatMap((p) => (p.rtt === undefined ? [] : [p.rtt]));
    const mean = rtts.reduce((a, b) => a + b, 0) / rtts.length;
    const sd = Math.sqrt(rtts.reduce((a, b) => a + (b - mean) ** 2, 0) / rtts.length);
    const diffs = rtts.slice(1).map((r, i) => Math.abs(r - (rtts[i] as number)));
    const jitter = diffs.reduce((a, b) => a + b, 0) / diffs.length;
    // Outages: find each run of failures by index; it lasts until the next reply.
    const runs: number[] = [];
    for (let i = 0; i < probes.length; i++) {
      if (probes[i]?.rtt !== undefined || (i > 0 && probes[i - 1]?.rtt === undefined)) continue;
      let j = i;
      while (j < probes.length && probes[j]?.rtt === undefined) j++;
      const until = probes[Math.min(j, probes.length - 1)]?.time.getTime() as number;
      runs.push((until - (probes[i]?.time.getTime() as number)) / 1000);
    }
    assert.equal(s?.availabilityPct, Math.round((rtts.length / 2000) * 100 * 1000) / 1000);
    assert.ok(Math.abs((s?.rtt?.stddev as number) - sd) < 0.001, `${s?.rtt?.stddev} vs ${sd}`);
    assert.ok(
      Math.abs((s?.rtt?.jitter as number) - jitter) < 0.001,
      `${s?.rtt?.jitter} vs ${jitter}`,
    );
    assert.equal(s?.outages.count, runs.length);
    assert.equal(s?.outages.longestS, Math.max(...runs));
    assert.ok(Math.abs((s?.outages.totalS as number) - runs.reduce((a, b) => a + b, 0)) < 0.01);
    assert.equal(s?.outages.longestS, 20, 'the 20 failures in a row from probe 501');
    assert.equal(s?.span?.seconds, 1999);
  });

  it('leaves out what needs more replies: no rtt without one, no jitter with one', () => {
    const at = (i: number): Date => new Date(Date.UTC(2026, 10, 30, 0, 0, i));
    const [none] = summarise([
      { time: at(0), event: 'end', host: 'n', status: 'down', lossPct: 100 },
      { time: at(1), event: 'end', host: 'n', status: 'error', error: 'unknown host' },
    ]);
    assert.equal(none?.rtt, undefined);
    assert.equal(none?.availabilityPct, 0);
    assert.deepEqual(none?.outages, { count: 1, longestS: 1, totalS: 1 }, 'still down at the end');
    const [one] = summarise([
      { time: at(0), event: 'end', host: 'o', status: 'up', rttMs: 3, lossPct: 0 },
    ]);
    assert.deepEqual([one?.rtt?.stddev, one?.rtt?.jitter], [0, undefined]);
  });
});
