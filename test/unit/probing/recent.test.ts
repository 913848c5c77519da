import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_SAMPLES, RecentProbes, selectMedian } from '../../../src/probing/recent.js';

const T0 = Date.parse('2026-11-30T00:00:00Z');

describe('RecentProbes', () => {
  it('gives loss and median rtt over the last 1, 5 and 15 minutes', () => {
    // One probe every 10 s for 20 minutes: the first 10 minutes at 50 ms and 10 % loss, the
    // last 10 minutes at 10 ms, and the last minute losing every other probe.
    const recent = new RecentProbes(10_000, T0);
    for (let i = 0; i < 120; i++) {
      const t = T0 + i * 10_000;
      const lastMinute = i >= 114;
      if (lastMinute && i % 2 === 0) recent.add(t, undefined, 100);
      else recent.add(t, i < 60 ? 50 : 10, i < 60 ? 10 : 0);
    }
    const now = T0 + 119 * 10_000;
    // 1 min: probes 114-119 (t >= now - 60 s): 3 lost (100 %), 3 at 10 ms (0 %).
    assert.deepEqual(recent.figures(now, 1), {
      probes: 7,
      lossPct: 42.857,
      medianRttMs: 10,
      complete: true,
    });
    // 15 min: probes 29-119: 31 at 50 ms / 10 %, 57 at 10 ms / 0 %, 3 lost.
    const fifteen = recent.figures(now, 15);
    assert.equal(fifteen.probes, 91);
    assert.equal(fifteen.lossPct, Math.round(((31 * 10 + 3 * 100) / 91) * 1000) / 1000);
    assert.equal(fifteen.medianRttMs, 10);
    assert.equal(fifteen.complete, true);
  });

  it('keeps at most 900 probes, and says when a window reaches past them', () => {
    const recent = new RecentProbes(100, T0);
    for (let i = 0; i < 5000; i++) recent.add(T0 + i * 100, 1, 0);
    const now = T0 + 4999 * 100;
    assert.equal(recent.figures(now, 1).probes, 601);
    assert.equal(recent.figures(now, 1).complete, true);
    assert.deepEqual(recent.figures(now, 15), {
      probes: MAX_SAMPLES,
      lossPct: 0,
      medianRttMs: 1,
      complete: false,
    });
  });

  it('knows nothing before the first probe', () => {
    assert.deepEqual(new RecentProbes(1000, T0).figures(T0, 5), {
      probes: 0,
      lossPct: undefined,
      medianRttMs: undefined,
      complete: true,
    });
  });
});

describe('selectMedian', () => {
  it('agrees with a sort on random arrays of every small length and a few large ones', () => {
    let seed = 3;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * 50) / 10; // repeats on purpose
    };
    for (const n of [...Array.from({ length: 40 }, (_, i) => i + 1), 899, 900, 1000]) {
      const values = Array.from({ length: n }, random);
      const sorted = [...values].sort((a, b) => a - b);
      const m = n >> 1;
      const expected = n % 2 ? sorted[m] : ((sorted[m - 1] as number) + (sorted[m] as number)) / 2;
      assert.equal(selectMedian(Float64Array.from(values)), expected, `n=${n}`);
    }
    assert.equal(selectMedian(new Float64Array(0)), undefined);
  });
});
