import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { DaemonState } from '../../../src/lifecycle/state-file.js';
import { StatePublisher } from '../../../src/lifecycle/state-publisher.js';
import { FakeClock } from '../../helpers/fake-clock.js';

function publisher(options: { writeMs?: number; fail?: () => string | undefined } = {}) {
  const clock = new FakeClock();
  const writes: number[] = [];
  const warnings: string[] = [];
  const logger = pino({}, { write: (s: string) => warnings.push(JSON.parse(s).msg) });
  const p = new StatePublisher('/nowhere/state', () => ({}) as DaemonState, {
    logger,
    clock,
    timers: clock,
    cpuMs: () => clock.now(),
    write: () => {
      const failure = options.fail?.();
      if (failure) throw Object.assign(new Error(failure), { code: 'EACCES' });
      writes.push(clock.now());
      clock.jump(options.writeMs ?? 0);
    },
  });
  return { p, clock, writes, warnings };
}

describe('StatePublisher', () => {
  it('writes an ask that finds the last write a second old at once, in that wake-up', () => {
    const { p, clock, writes } = publisher();
    p.now();
    clock.advance(300);
    p.soon();
    assert.deepEqual(writes, [1000]);
    clock.advance(800);
    p.soon();
    assert.deepEqual(writes, [1000, 2100]);
    assert.equal(clock.pendingCount, 0, 'no timer left to wake the daemon');
  });

  it('writes within a second and a half of an ask when no later ask comes', () => {
    const { p, clock, writes } = publisher();
    p.now();
    clock.advance(200);
    p.soon();
    clock.advance(1299);
    assert.equal(writes.length, 1);
    clock.advance(1);
    assert.deepEqual(writes, [1000, 2500]);
  });

  it('writes a costly state less often: at most 0.1 % of a core', () => {
    const { p, clock, writes } = publisher({ writeMs: 3 });
    p.now();
    // One costly write may be a cold one: the next is still due a second later.
    clock.advance(1000);
    p.soon();
    assert.equal(writes.length, 2);
    clock.advance(2900);
    p.soon();
    assert.equal(writes.length, 2);
    clock.advance(100);
    p.soon();
    assert.equal(writes.length, 3);
  });

  it('writes new figures at most every 4,000 times what a write costs, and at least every 3 s', () => {
    // The period after two writes of `writeMs`: the first ask that finds the file due writes it.
    const periodOf = (writeMs: number): number => {
      const { p, clock, writes } = publisher({ writeMs });
      p.now();
      clock.advance(1000);
      p.soon();
      const second = writes[1] as number;
      while (writes.length < 3) {
        clock.advance(1);
        p.soon();
      }
      return Math.floor((writes[2] as number) - second);
    };
    assert.equal(periodOf(0.1), 1000, 'a cheap file (a few hosts): every second');
    assert.equal(periodOf(0.5), 2000);
    assert.equal(periodOf(2), 3000, 'no older than 3 s');
    assert.equal(periodOf(5), 5000, 'but never more than 0.1 % of a core');
  });

  it('writes a change of state within 100 ms, even right after a write', () => {
    const { p, clock, writes } = publisher();
    p.now();
    p.promptly();
    p.soon();
    clock.advance(100);
    assert.equal(writes.length, 2);
  });

  it('tells a failing write once, and when it works again', () => {
    let failing = true;
    const { p, clock, warnings } = publisher({ fail: () => (failing ? 'denied' : undefined) });
    p.now();
    clock.advance(1000);
    p.soon();
    failing = false;
    clock.advance(1000);
    p.soon();
    assert.deepEqual(warnings, [
      'cannot write the state file: permission denied',
      'state file written again',
    ]);
  });
});
