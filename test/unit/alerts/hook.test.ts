import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Notification, notification } from '../../../src/alerts/event.js';
import { killLeftovers, runHook } from '../../../src/alerts/hook.js';
import { processesMatching, tempDir, waitFor } from '../../helpers/cli.js';

const n: Notification = notification(
  '127.0.0.1',
  {
    kind: 'change',
    state: 'down',
    previous: 'up',
    reason: '3 probes without reply',
    since: new Date('2026-11-30T12:00:03Z'),
    durationS: 42,
    rttMs: undefined,
    lossPct: 100,
    notify: true,
  },
  17,
);

/** A hook script in a fresh directory; `marker` makes its processes findable. */
function script(body: string): { path: string; dir: string } {
  const dir = tempDir();
  const path = join(dir, 'hook');
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return { path, dir };
}

describe('runHook', () => {
  it('gives the event as PING_DAEMON_* variables and as JSON on stdin, without a shell', async () => {
    const { path, dir } = script('env > "$(dirname "$0")/env"; cat > "$(dirname "$0")/stdin"');
    const d = await runHook([path], n, 5000).done;
    assert.deepEqual(d, { ok: true, detail: 'exited with status 0' });
    const env = Object.fromEntries(
      readFileSync(join(dir, 'env'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    assert.equal(env.PING_DAEMON_EVENT, 'change');
    assert.equal(env.PING_DAEMON_HOST, '127.0.0.1');
    assert.equal(env.PING_DAEMON_STATE, 'down');
    assert.equal(env.PING_DAEMON_PREVIOUS_STATE, 'up');
    assert.equal(env.PING_DAEMON_REASON, '3 probes without reply');
    assert.equal(env.PING_DAEMON_SINCE, '2026-11-30T12:00:03.000Z');
    assert.equal(env.PING_DAEMON_DURATION_S, '42');
    assert.equal(env.PING_DAEMON_LOSS_PCT, '100');
    assert.equal(env.PING_DAEMON_SEQ, '17');
    assert.equal(env.PING_DAEMON_RTT_MS, undefined, 'unknown figures are absent');
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'stdin'), 'utf8')), n);
  });

  it('passes its arguments as they are', async () => {
    const { path, dir } = script('printf "%s|" "$@" > "$(dirname "$0")/args"');
    await runHook([path, 'a b', '$(id)', ';'], n, 5000).done;
    assert.equal(readFileSync(join(dir, 'args'), 'utf8'), 'a b|$(id)|;|');
  });

  it('reports a failing exit with the first line of stderr', async () => {
    const { path } = script('echo "smtp: connection refused" >&2; echo second >&2; exit 3');
    assert.deepEqual(await runHook([path], n, 5000).done, {
      ok: false,
      detail: 'exited with status 3: smtp: connection refused',
    });
  });

  it('kills a hook that outlives its timeout, with its process group, even one ignoring SIGTERM', async () => {
    const { path, dir } = script("trap '' TERM; sleep 60 & sleep 61; wait");
    const t0 = performance.now();
    const d = await runHook([path], n, 300).done;
    assert.equal(d.ok, false);
    assert.match(d.detail, /^timed out after 300ms, killed with its process group$/);
    assert.ok(performance.now() - t0 < 5000);
    await waitFor('no process left', () => processesMatching(dir).length === 0);
  });

  it('does not wait for a child that holds its stderr, and leaves none behind', async () => {
    const { path, dir } = script('sleep 30 & echo started');
    const t0 = performance.now();
    assert.equal((await runHook([path], n, 10_000).done).ok, true);
    assert.ok(performance.now() - t0 < 5000);
    await waitFor('no process left', () => processesMatching(dir).length === 0);
  });

  it('takes 100 MB on stdout without effort', async () => {
    const { path } = script('head -c 100000000 /dev/zero');
    assert.equal((await runHook([path], n, 20_000).done).ok, true);
  });

  it('reports a program it cannot run', async () => {
    const { path } = script('exit 0');
    chmodSync(path, 0o644);
    assert.deepEqual(await runHook([path], n, 5000).done, {
      ok: false,
      detail: 'cannot run: permission denied',
    });
    assert.deepEqual(await runHook(['/nonexistent/hook'], n, 5000).done, {
      ok: false,
      detail: 'cannot run: no such file or directory',
    });
  });
});

describe('killLeftovers', () => {
  const root = process.getuid?.() === 0;
  it("kills what carries this daemon's mark, and never another user's process", {
    skip: !root && 'needs root (a process of another user)',
  }, async () => {
    const mark = { ...process.env, PING_DAEMON_PID: String(process.pid) };
    const ours = spawn('sleep', ['3600'], { env: mark, stdio: 'ignore' });
    const theirs = spawn('sleep', ['3600'], { env: mark, stdio: 'ignore', uid: 65534, gid: 65534 });
    try {
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(killLeftovers() >= 1);
      const gone = await new Promise((r) => ours.once('exit', (_c, signal) => r(signal)));
      assert.equal(gone, 'SIGKILL');
      assert.equal(theirs.exitCode, null);
      assert.equal(theirs.signalCode, null);
    } finally {
      ours.kill('SIGKILL');
      theirs.kill('SIGKILL');
    }
  });
});
