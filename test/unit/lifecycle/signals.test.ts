import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { profiling } from '../../../src/lifecycle/signals.js';

describe('profiling', () => {
  it("finds Node's CPU profiler on the command line or in NODE_OPTIONS", () => {
    assert.equal(profiling(['--cpu-prof']), true);
    assert.equal(profiling(['--cpu-prof-dir=/tmp', '--cpu-prof']), true);
    assert.equal(profiling(['--prof']), true);
    assert.equal(profiling([], '--max-old-space-size=64 --cpu-prof'), true);
  });

  it('leaves SIGPROF a stop signal otherwise', () => {
    assert.equal(profiling([]), false);
    assert.equal(profiling([], ''), false);
    // Options that only name the profiler's files do not start it.
    assert.equal(profiling(['--cpu-prof-dir=/tmp', '--cpu-prof-name=x']), false);
    assert.equal(profiling(['--prof-process']), false);
  });
});
