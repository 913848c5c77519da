import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventLimiter, type Suppressed } from '../../../src/telemetry/event-limiter.js';
import { FakeClock } from '../../helpers/fake-clock.js';

function limiter() {
  const clock = new FakeClock();
  const reports: Suppressed[] = [];
  const l = new EventLimiter({
    clock,
    timers: clock,
    windowMs: 60_000,
    perKind: 10,
    perKey: 3,
    report: (s) => reports.push(s),
  });
  return { clock, reports, l };
}

describe('EventLimiter', () => {
  it('admits the first of a kind per window, then counts, then reports once', () => {
    const { clock, reports, l } = limiter();
    const admitted = Array.from({ length: 1000 }, (_, i) => l.admit('tick skipped', `h${i}`));
    assert.equal(admitted.filter(Boolean).length, 10);
    assert.deepEqual(reports, []);
    clock.advance(60_000);
    assert.deepEqual(reports, [{ kind: 'tick skipped', count: 990, keys: 990, windowMs: 60_000 }]);
    // A new window admits again.
    assert.equal(l.admit('tick skipped', 'h1'), true);
  });

  it('a host that flaps is told three times a window', () => {
    const { clock, reports, l } = limiter();
    const told = Array.from({ length: 50 }, () => l.admit('state changes', 'flappy'));
    assert.equal(told.filter(Boolean).length, 3);
    assert.equal(l.admit('state changes', 'steady'), true, 'another host is still told');
    clock.advance(60_000);
    assert.deepEqual(reports, [{ kind: 'state changes', count: 47, keys: 1, windowMs: 60_000 }]);
  });

  it('kinds are counted apart; stop() reports what is still counted', () => {
    const { reports, l } = limiter();
    for (let i = 0; i < 20; i++) l.admit('a', 'h');
    for (let i = 0; i < 2; i++) l.admit('b', 'h');
    l.stop();
    assert.deepEqual(reports, [{ kind: 'a', count: 17, keys: 1, windowMs: 60_000 }]);
  });
});
