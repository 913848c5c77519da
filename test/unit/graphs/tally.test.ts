import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BINS, binOf, binRange, EDGES_MS, Streak, Tally } from '../../../src/graphs/tally.js';

describe('Tally', () => {
  it('puts an RTT in its octave, with a bin below 15.6 µs and one from 16.4 s on', () => {
    assert.equal(BINS, 22);
    assert.equal(binOf(0.001), 0);
    assert.equal(binOf(EDGES_MS[0] as number), 1);
    assert.equal(binOf(7), 9, '7 ms is in [4, 8)');
    assert.deepEqual(binRange(9), [4, 8]);
    assert.equal(binOf(100_000), BINS - 1);
    assert.deepEqual(binRange(BINS - 1), [16384, Number.POSITIVE_INFINITY]);
  });

  it('places a quantile inside the min and max, so a tight spread in one octave is not smeared', () => {
    const t = new Tally();
    for (let i = 0; i < 100; i++) t.add(7 + i / 250, 0);
    const median = t.quantile(0.5) as number;
    assert.ok(median > 7.1 && median < 7.3, `median ${median}`);
    assert.ok(Math.abs((t.quantile(0) as number) - 7) < 1e-9);
    assert.ok(Math.abs((t.quantile(1) as number) - 7.396) < 1e-9);
    assert.equal(new Tally().quantile(0.5), undefined, 'no reply, no quantile');
  });

  it('merges exactly: two halves give what the whole gives', () => {
    const whole = new Tally();
    const a = new Tally();
    const b = new Tally();
    for (let i = 0; i < 1000; i++) {
      const rtt = i % 97 === 0 ? undefined : 1 + (i % 13);
      whole.add(rtt, rtt === undefined ? 100 : 0);
      (i < 400 ? a : b).add(rtt, rtt === undefined ? 100 : 0);
    }
    const merged = new Tally();
    merged.merge(a);
    merged.merge(b);
    const { sums: mergedSums, ...mergedRest } = merged;
    const { sums: wholeSums, ...wholeRest } = whole;
    assert.deepEqual(mergedRest, wholeRest);
    for (const [i, sum] of mergedSums.entries()) {
      assert.ok(Math.abs(sum - (wholeSums[i] as number)) < 1e-6);
    }
    assert.equal(merged.quantile(0.5), whole.quantile(0.5));
    assert.equal(whole.failed, 11);
    assert.equal(whole.replies, 989);
    assert.ok(Math.abs((whole.lossPct as number) - 1.1) < 1e-9);
  });

  it('weights a mean per minute by the minutes it covers', () => {
    const minute = new Tally();
    minute.add(5, 0);
    minute.add(undefined, 100);
    const day = new Tally();
    day.merge(minute, 1440);
    assert.equal(day.probes, 2880);
    assert.equal(day.lossPct, 50);
  });
});

describe('Streak', () => {
  it('counts failed probes in runs of two or more: one lost probe is loss, not an outage', () => {
    const s = new Streak();
    // lost, up, three lost (2 at the second, 1 at the third), up, lost
    const adds = [true, false, true, true, true, false, true].map((failed) => s.next(failed));
    assert.deepEqual(adds, [0, 0, 0, 2, 1, 0, 0]);
  });
});
