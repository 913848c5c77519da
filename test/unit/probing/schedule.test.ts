import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dueIndex, reanchor, Schedule, type Tick } from '../../../src/probing/schedule.js';
import { FakeClock } from '../../helpers/fake-clock.js';

function scheduled(intervalMs: number) {
  const clock = new FakeClock();
  const ticks: (Tick & { firedAt: number })[] = [];
  const schedule = new Schedule({
    clock,
    timers: clock,
    intervalMs,
    onTick: (tick) => ticks.push({ ...tick, firedAt: clock.now() }),
  });
  return { clock, ticks, schedule, t0: clock.now() };
}

describe('dueIndex and reanchor', () => {
  it('finds the latest due tick, never going back', () => {
    assert.equal(dueIndex(0, 100, 0, 0), 0);
    assert.equal(dueIndex(0, 100, 99.9, 0), 0);
    assert.equal(dueIndex(0, 100, 350, 0), 3);
    assert.equal(dueIndex(0, 100, 99.5, 1), 1); // a timer a hair early still runs its own tick
  });
  it('keeps the pending tick unless the new interval comes sooner', () => {
    assert.equal(reanchor(5000, 1000, 3000), 4000);
    assert.equal(reanchor(1500, 1000, 3000), 1500);
  });
});

describe('Schedule', () => {
  it('ticks at t0 + k·interval, immediately first', () => {
    const { clock, ticks, schedule, t0 } = scheduled(100);
    schedule.start();
    clock.advance(0);
    clock.advance(1000);
    assert.equal(ticks.length, 11);
    ticks.forEach((t, k) => {
      assert.equal(t.k, k);
      assert.equal(t.dueAt, t0 + k * 100);
      assert.equal(t.missed, 0);
    });
  });

  it('does not drift when every timer fires late', () => {
    const { clock, ticks, schedule, t0 } = scheduled(100);
    clock.lateness = 7; // each timer fires 7 ms after it was due
    schedule.start();
    clock.advance(10_000);
    const last = ticks.at(-1);
    assert.ok(last);
    // Sleep-after-work would be 7 ms later per tick (k·7 ms behind); fixed rate stays within 7 ms.
    assert.equal(last.k, ticks.length - 1);
    assert.ok(last.firedAt - (t0 + last.k * 100) <= 7);
    assert.ok(ticks.length >= 99);
  });

  it('reports ticks slept through as missed instead of running them all at once', () => {
    const { clock, ticks, schedule } = scheduled(100);
    schedule.start();
    clock.advance(0);
    clock.jump(1050); // suspended for a second
    clock.advance(0);
    assert.equal(ticks.length, 2);
    assert.deepEqual({ k: ticks[1]?.k, missed: ticks[1]?.missed }, { k: 10, missed: 9 });
    clock.advance(50);
    assert.equal(ticks[2]?.k, 11);
  });

  it('applies a new interval from the next tick', () => {
    const { clock, ticks, schedule } = scheduled(1000);
    schedule.start();
    clock.advance(0);
    clock.advance(400);
    schedule.setInterval(100); // sooner than the pending tick at +1000
    clock.advance(100);
    assert.equal(ticks.length, 2);
    assert.equal(ticks[1]?.firedAt, 1500);
    clock.advance(300);
    assert.deepEqual(
      ticks.map((t) => t.firedAt),
      [1000, 1500, 1600, 1700, 1800],
    );
    schedule.setInterval(1000); // longer: the tick already due at 1900 keeps its time
    clock.advance(100);
    assert.equal(ticks.at(-1)?.firedAt, 1900);
    clock.advance(999);
    assert.equal(ticks.length, 6);
    clock.advance(1);
    assert.equal(ticks.at(-1)?.firedAt, 2900);
  });

  it('leaves no timer behind after stop', () => {
    const { clock, ticks, schedule } = scheduled(100);
    schedule.start();
    clock.advance(250);
    schedule.stop();
    assert.equal(clock.pendingCount, 0);
    clock.advance(1000);
    assert.equal(ticks.length, 3);
  });
});
