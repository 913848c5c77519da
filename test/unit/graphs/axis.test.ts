import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatWhen,
  linearTicks,
  niceCeiling,
  robustTop,
  timeTicks,
  zoneLabel,
} from '../../../src/graphs/axis.js';

process.env.TZ = 'Europe/Berlin';
const at = (local: string): number => new Date(local).getTime();

describe('time ticks', () => {
  it('falls on round local times, not on fractions of the span', () => {
    const from = at('2026-11-30T14:38:17');
    const ticks = timeTicks(from, from + 3_600_000);
    assert.deepEqual(
      ticks.map((t) => t.label),
      ['14:40', '14:50', '15:00', '15:10', '15:20', '15:30'],
    );
  });

  it('puts the date at midnight, bolder', () => {
    const from = at('2026-11-30T12:00');
    const ticks = timeTicks(from, from + 30 * 3_600_000);
    const midnight = ticks.find((t) => t.major);
    assert.equal(midnight?.label, '1 Dec');
    assert.equal(midnight?.time, at('2026-12-01T00:00'));
    assert.ok(ticks.every((t) => t.major || /^\d\d:00$/.test(t.label)));
  });

  it('counts days over a week or two, and months and years over 400 days', () => {
    const week = timeTicks(at('2026-11-27T12:00'), at('2026-12-04T12:00'));
    assert.deepEqual(
      week.map((t) => t.label),
      ['28 Nov', '29 Nov', '30 Nov', '1 Dec', '2 Dec', '3 Dec', '4 Dec'],
    );
    const long = timeTicks(at('2025-11-01T00:00'), at('2026-12-05T00:00'));
    assert.ok(long.length <= 8 && long.length >= 4, long.map((t) => t.label).join(' '));
    assert.ok(long.some((t) => t.label === '2026' && t.major));
  });

  it('names the time zone, and writes times as local dates', () => {
    assert.equal(zoneLabel(at('2026-12-01T00:00')), 'UTC+01:00 (Europe/Berlin)');
    assert.equal(zoneLabel(at('2026-07-01T00:00')), 'UTC+02:00 (Europe/Berlin)');
    assert.equal(formatWhen(at('2026-12-05T09:03')), '2026-12-05 09:03');
  });
});

describe('the y axis', () => {
  it('steps by round values', () => {
    assert.deepEqual(linearTicks(5), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(linearTicks(20), [0, 5, 10, 15, 20]);
    assert.deepEqual(linearTicks(0.05), [0, 0.01, 0.02, 0.03, 0.04, 0.05]);
    assert.deepEqual([0.04, 44, 130, 0].map(niceCeiling), [0.05, 50, 200, 1]);
  });

  it('is not crushed by one spike: the top follows nearly every bucket', () => {
    const p90s = Array.from({ length: 180 }, (_, i) => (i === 90 ? 230 : 7 + (i % 3) * 0.1));
    assert.equal(robustTop(p90s, p90s), 10);
    // A level change that lasts is followed.
    const step = Array.from({ length: 180 }, (_, i) => (i < 90 ? 7 : 40));
    assert.equal(robustTop(step, step), 50);
  });
});
