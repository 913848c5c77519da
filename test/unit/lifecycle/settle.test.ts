// Waiting with a limit (src/settle.ts), used by every stop: the work's end or the limit, whichever
// comes first, and no timer left behind either way.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settleWithin } from '../../../src/settle.js';

const never = new Promise<void>(() => {});

describe('settleWithin', () => {
  it('is true when the work ends first, and does not wait for the limit', async () => {
    const t0 = performance.now();
    assert.equal(await settleWithin(Promise.resolve(), 60_000), true);
    assert.ok(performance.now() - t0 < 30_000, 'the limit is not awaited');
  });

  it('is true when the work fails first: a failure is an end too', async () => {
    assert.equal(await settleWithin(Promise.reject(new Error('disk full')), 60_000), true);
  });

  it('is true for no work at all', async () => {
    assert.equal(await settleWithin(undefined, 60_000), true);
  });

  it('is false when the limit comes first', async () => {
    assert.equal(await settleWithin(never, 20), false);
    // An unref'd limit keeps nothing alive: here something else does, as the daemon's loop would.
    const alive = setTimeout(() => {}, 60_000);
    try {
      assert.equal(await settleWithin(never, 20, { unref: true }), false);
    } finally {
      clearTimeout(alive);
    }
  });

  it('leaves no timer behind: a process with nothing else to do exits at once', async () => {
    const { spawnSync } = await import('node:child_process');
    const code = [
      "const { settleWithin } = await import('./src/settle.ts');",
      'await settleWithin(Promise.resolve(), 600_000);',
      "process.stdout.write('done');",
    ].join('\n');
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', code],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    assert.equal(run.stdout, 'done');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.signal, null, 'it ended by itself, before the 60 s kill');
  });
});
