import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readEveryMs } from '../../../src/probing/fleet.js';
import { loopGapMs } from '../../../src/probing/fping-output.js';

const every = (periodMs: number, hosts: number) =>
  readEveryMs(periodMs, hosts, loopGapMs(periodMs, hosts));

describe('readEveryMs', () => {
  it('reads once a period, at most every second', () => {
    assert.equal(every(100, 2), 100);
    assert.equal(every(1000, 10), 1000);
    assert.equal(every(1000, 100), 1000);
    assert.equal(every(60_000, 1), 1000);
  });

  it('reads a big loop within the time 100 replies of its burst take, down to every 10 ms', () => {
    assert.equal(every(1000, 200), 100); // 1 ms apart
    assert.equal(every(1000, 1000), 50); // 0.5 ms apart
    assert.equal(every(1000, 100_000), 10);
  });
});
