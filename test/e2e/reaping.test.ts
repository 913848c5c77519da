// `stop` reaps (issue 30): every process the daemon started is reaped before it exits, not left
// for PID 1. Under systemd that is harmless, since systemd reaps; in a container whose init does
// not, each one left is a zombie for good. The daemon runs below a PID 1 that reaps only its
// own child (test/fixtures/reaped.mjs, in a PID namespace of its own).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, fixture, has, isRoot, tempDir } from '../helpers/cli.js';

const skip = !isRoot ? 'needs root for a PID namespace (CI runs it)' : false;

interface Left {
  logged: number;
  exit: { code: number | null; signal: string | null };
  left: { pid: number; comm: string; state: string }[];
  stderr: string;
}

function runAndStop(prober: string, hosts: string[]): Left {
  const dir = tempDir();
  const log = join(dir, 'p.log');
  const r = spawnSync(
    'unshare',
    [
      ...['--pid', '--fork', '--mount-proc', '--'],
      ...[process.execPath, fixture('reaped.mjs'), CLI, log, '40'],
      ...['--prober', prober, '--interval', '100ms', ...hosts.flatMap((h) => ['--host', h])],
      ...['--log-file', log, '--pid-file', join(dir, 'd.pid'), '--history-dir', 'off'],
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Left;
}

describe('stop reaps every process the daemon started', { skip }, () => {
  it('the fleet prober: no fping, no shell left behind, not even as a zombie', {
    skip: !has('fping') && 'needs fping (.ci/run installs it)',
  }, () => {
    const got = runAndStop('fping', ['127.0.3.91', '127.0.3.92', '127.0.3.93']);
    assert.ok(got.logged >= 40, JSON.stringify(got));
    assert.deepEqual(got.exit, { code: 0, signal: null }, got.stderr);
    assert.deepEqual(got.left, [], JSON.stringify(got));
  });

  it('one ping per tick: no ping left behind', () => {
    const got = runAndStop('ping', ['127.0.3.94', '127.0.3.95']);
    assert.ok(got.logged >= 40, JSON.stringify(got));
    assert.deepEqual(got.exit, { code: 0, signal: null }, got.stderr);
    assert.deepEqual(got.left, [], JSON.stringify(got));
  });
});
