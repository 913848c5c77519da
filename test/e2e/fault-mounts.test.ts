// The fault campaign of issue 28 (docs/reliability.md has the table): faults a daemon running
// for months meets sooner or later, each provoked for real, each asserting what users must see.
// Here: the log's filesystem unmounted under the daemon, in a mount namespace of its own.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  cli,
  fileArgs,
  isRoot,
  parseText,
  readLines,
  statusUntil,
  tempDir,
  waitFor,
} from '../helpers/cli.js';

describe("the log's filesystem unmounted under it", {
  skip: !isRoot && 'mounting in a private mount namespace needs root',
}, () => {
  /**
   * A daemon in a mount namespace of its own, logging to `logs/ping.log` on a tmpfs there: `ns`
   * runs a command in that namespace, `read` reads the log as the daemon sees it.
   */
  async function inNamespace(dir: string, logDir: (mnt: string) => string) {
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    const log = join(logDir(mnt), 'ping.log');
    const pid = join(dir, 'd.pid');
    const setup = 'mount -t tmpfs tmpfs "$0" && mkdir -p "$1" && shift && exec "$@"';
    const run = cli(
      ['run', '--host', '127.0.0.1', '--interval', '50ms', ...fileArgs({ log, pid })],
      {
        prefix: [
          'unshare',
          '--mount',
          '--propagation',
          'private',
          'sh',
          '-c',
          setup,
          mnt,
          logDir(mnt),
        ],
      },
    );
    const daemon = run.child.pid as number;
    const ns = (script: string) =>
      execFileSync('nsenter', [
        '-t',
        String(daemon),
        '-m',
        'sh',
        '-c',
        script,
        'ns',
        mnt,
        logDir(mnt),
      ]);
    const read = () => readLines(`/proc/${daemon}/root${log}`);
    await waitFor('lines', () => read().length >= 4, 10_000, run.stderr);
    return { run, pid, ns, read };
  }

  it('in a directory below the mount point: an error in the service log and status, and lines again once it is mounted back', async () => {
    const dir = tempDir();
    const { run, pid, ns, read } = await inNamespace(dir, (mnt) => join(mnt, 'logs'));
    try {
      ns('umount -l "$1"');
      await waitFor(
        'the error in the service log',
        () =>
          run
            .stderr()
            .split('\n')
            .some((l) =>
              /"level":50.*cannot reopen .*ping\.log: no such file or directory/.test(l),
            ),
        10_000,
      );
      const gone = await statusUntil(pid, 'the problem in status', (s) => s.stats.logProblem);
      assert.match(gone.stats.logProblem.text, /^cannot reopen: no such file or directory/);
      ns('mount -t tmpfs tmpfs "$1" && mkdir -p "$2"');
      await waitFor('lines on the new filesystem', () => read().length >= 4, 10_000, run.stderr);
      await statusUntil(pid, 'no problem in status', (s) => !s.stats.logProblem);
      // The new file may begin with the end of a tick whose start went to the old one; from its
      // first start on, every start has its end (the last tick may still be under way).
      const lines = read().map(parseText);
      const from = lines.findIndex((l) => l.event === 'start');
      lines.slice(from).forEach((l, k, all) => {
        const next = all[k + 1];
        if (l.event === 'start' && next) assert.deepEqual([next.event, next.seq], ['end', l.seq]);
      });
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });

  it('the mount point itself: a warning that the log is now on another filesystem, and back again', async () => {
    const dir = tempDir();
    const { run, ns, read } = await inNamespace(dir, (mnt) => mnt);
    try {
      ns('umount -l "$1"');
      await waitFor(
        'the warning',
        () => /now on another filesystem/.test(run.stderr()),
        10_000,
        run.stderr,
      );
      ns('mount -t tmpfs tmpfs "$1"');
      await waitFor('lines on the new filesystem', () => read().length >= 4, 10_000, run.stderr);
      assert.equal(run.child.exitCode, null);
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });
});
