import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readEveryMs } from '../../../src/probing/fleet.js';

describe('readEveryMs', () => {
  it('reads four times a period, at most every 250 ms', () => {
    assert.equal(readEveryMs(100, 2), 25);
    assert.equal(readEveryMs(1000, 10), 250);
    assert.equal(readEveryMs(60_000, 1), 250);
  });

  it('reads often enough that no more than 50 lines wait, down to every 10 ms', () => {
    assert.equal(readEveryMs(1000, 1000), 50);
    assert.equal(readEveryMs(1000, 100_000), 10);
  });
});
