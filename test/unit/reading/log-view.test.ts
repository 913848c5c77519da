import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toPretty } from '../../../src/reading/log-view.js';

describe('toPretty', () => {
  it('lines the RTT column up on its decimal point', () => {
    const line = (rttMs: number) =>
      toPretty(
        { time: new Date(0), event: 'end', host: 'h', seq: 1, status: 'up', rttMs, lossPct: 0 },
        false,
      );
    const [a, b, c] = [line(0.04), line(27.8), line(312)];
    const point = (s: string) => s.indexOf('.', s.indexOf('up'));
    assert.equal(point(a), point(b));
    assert.equal(point(b), point(c));
    assert.match(b, /27\.800 ms/);
  });
});
