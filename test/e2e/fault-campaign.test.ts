// The fault campaign of issue 28 (docs/reliability.md has the table): faults a daemon running
// for months on a fleet meets sooner or later, each provoked for real, each asserting what users
// must see. (faults.test.ts holds the earlier ones: disk full, a deleted directory, SIGKILLs.)
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  cli,
  fileArgs,
  freePort,
  isRoot,
  parseText,
  readLines,
  statusUntil,
  tempDir,
  waitFor,
} from '../helpers/cli.js';

const NOBODY = 65534;

/** GET http://127.0.0.1:PORT/PATH on a connection of its own, as Prometheus scrapes: the status, or 0. */
function scrape(port: number, path = '/metrics'): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** The gaps between consecutive start lines of the log from line `from` on, ms. */
function startGaps(log: string, from: number): number[] {
  const starts = readLines(log)
    .slice(from)
    .map(parseText)
    .filter((l) => l.event === 'start')
    .map((l) => Date.parse(l.time));
  return starts.slice(1).map((t, i) => t - (starts[i] as number));
}

/**
 * Another user's program holding `count` idle connections to `port`, each opened again as soon
 * as it is closed; prints how many it has opened, now and then.
 */
const HOLDER = `
const { connect } = require('node:net');
const [port, count] = process.argv.slice(1).map(Number);
let opened = 0;
const hold = () => {
  opened++;
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  s.on('close', () => setTimeout(hold, 5));
};
for (let i = 0; i < count; i++) hold();
setInterval(() => console.log(opened), 100);
`;

describe('a local user holding hundreds of connections to the metrics listener', {
  skip: !isRoot && 'the holder runs as another user (nobody), which needs root',
}, () => {
  it("Prometheus's scrapes are still answered, 10 of 10, and ticks stay on time", async () => {
    const dir = tempDir();
    const port = await freePort();
    const p = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const run = cli([
      'run',
      '--host',
      '127.0.0.1',
      '--interval',
      '200ms',
      '--metrics-listen',
      `127.0.0.1:${port}`,
      ...fileArgs(p),
    ]);
    const holder = spawn(process.execPath, ['-e', HOLDER, String(port), '300'], {
      uid: NOBODY,
      gid: NOBODY,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let opened = 0;
    holder.stdout.on('data', (d: Buffer) => {
      opened = Number(d.toString().trim().split('\n').at(-1));
    });
    try {
      await waitFor('probes', () => readLines(p.log).length >= 2, 10_000, run.stderr);
      await waitFor('the connections held', () => opened >= 400, 10_000);
      const from = readLines(p.log).length;
      const answers: number[] = [];
      for (let i = 0; i < 10; i++) {
        answers.push(await scrape(port));
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(answers, Array(10).fill(200), `answers ${answers.join(',')}`);
      await waitFor('ten more ticks', () => readLines(p.log).length >= from + 20, 20_000);
      const gaps = startGaps(p.log, from);
      // 200 ms apart; a loaded CI core gets some slack.
      assert.ok(Math.max(...gaps) < 1500, `gaps ${gaps.join(',')}`);
    } finally {
      holder.kill('SIGKILL');
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });
});

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
