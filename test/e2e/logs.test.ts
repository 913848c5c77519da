// `ping-daemon logs` as a user runs it: the end of the file, following across rotation, filters,
// summaries, pipes; and `status --json` against a running daemon.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isAlive } from '../../src/lifecycle/proc.js';
import {
  CLI,
  cli,
  cliDone,
  fileArgs,
  fixture,
  readLines,
  statusUntil,
  tempDir,
  waitFor,
  watchingFiles,
} from '../helpers/cli.js';

const line = (i: number) =>
  `start time---------:2026-11-24T20:00:00.000+08:00 host=127.0.0.1 seq=${i}\n`;
const seqs = (out: string) =>
  out
    .split('\n')
    .filter(Boolean)
    .map((l) => Number(/seq=(\d+)/.exec(l)?.[1]));
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Starts `logs -f -n 0` on `path`; `upTo(n)` waits until lines through seq n have been printed. */
function follow(path: string) {
  const run = cli(['logs', '-f', '-n', '0', '--log-file', path]);
  return {
    run,
    upTo: (n: number) => waitFor(`seq ${n}`, () => seqs(run.stdout()).includes(n), 5000),
    /** Resolves once it has read the file's end and watches for more (its inotify is open). */
    watching: () => waitFor('logs -f to watch', () => watchingFiles(run.child.pid), 10_000),
    stop: async () => {
      run.child.kill('SIGINT');
      return run.exit;
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 300));

describe('logs -f', () => {
  it('follows a rename and a new file (logrotate create), losing and repeating nothing', async () => {
    const path = join(tempDir(), 'ping.log');
    writeFileSync(path, line(0));
    const f = follow(path);
    await f.watching();
    for (const i of range(1, 20)) appendFileSync(path, line(i));
    await f.upTo(20);
    renameSync(path, `${path}.1`);
    appendFileSync(`${path}.1`, line(21)); // the writer's last line into the old file
    for (const i of range(22, 40)) appendFileSync(path, line(i));
    await f.upTo(40);
    await waitFor('the late line', () => seqs(f.run.stdout()).includes(21));
    assert.deepEqual((await f.stop()).code, 0);
    assert.deepEqual(
      [...seqs(f.run.stdout())].sort((a, b) => a - b),
      range(1, 40),
    );
  });

  it('follows a truncation in place (copytruncate)', async () => {
    const path = join(tempDir(), 'ping.log');
    writeFileSync(path, '');
    const f = follow(path);
    await f.watching();
    for (const i of range(1, 10)) appendFileSync(path, line(i));
    await f.upTo(10);
    truncateSync(path, 0);
    await settle();
    for (const i of range(11, 20)) appendFileSync(path, line(i));
    await f.upTo(20);
    await f.stop();
    assert.deepEqual(seqs(f.run.stdout()), range(1, 20));
  });

  it('waits for a file that does not exist yet', async () => {
    const dir = tempDir();
    const path = join(dir, 'later.log');
    const f = follow(path);
    await f.watching();
    assert.equal(existsSync(path), false);
    for (const i of range(1, 5)) appendFileSync(path, line(i));
    await f.upTo(5);
    await f.stop();
    assert.deepEqual(seqs(f.run.stdout()), range(1, 5));
    assert.equal(f.run.stderr(), `ping-daemon: ${path} does not exist yet; waiting for it\n`);
  });

  it('exits 0 and quietly when piped into head', async () => {
    const path = join(tempDir(), 'ping.log');
    writeFileSync(path, range(1, 50).map(line).join(''));
    const script = `"${process.execPath}" "${CLI}" logs -f --log-file "${path}" | head -1; exit \${PIPESTATUS[0]}`;
    const pipeline = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    pipeline.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    pipeline.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const exit = new Promise<number | null>((resolve) =>
      pipeline.on('close', (code) => resolve(code)),
    );
    await waitFor('the first line', () => stdout.length > 0);
    // Like tail -f, it learns that its reader is gone when it next writes: the next line.
    await settle();
    appendFileSync(path, line(51));
    assert.equal(await exit, 0, stderr);
    assert.equal(stderr, '');
    assert.deepEqual(seqs(stdout), [31]);
  });
});

describe('logs', () => {
  it('reads only the tail of a huge file', async () => {
    const path = join(tempDir(), 'huge.log');
    // 20 GB, sparse: reading all of it would take minutes; reading the tail takes milliseconds.
    writeFileSync(path, '');
    truncateSync(path, 20 * 1024 ** 3);
    appendFileSync(path, `\n${range(1, 5).map(line).join('')}`);
    const t0 = Date.now();
    const r = await cliDone(['logs', '-n', '3', '--log-file', path]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(seqs(r.stdout), [3, 4, 5]);
    assert.ok(Date.now() - t0 < 5000);
  });

  it('filters by host and time, and converts every format to JSON', async () => {
    const log = fixture('summary.log');
    const r = await cliDone(['logs', '-n', '100', '--log-file', log, '--host', 'b.test', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const objects = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(objects.length, 4);
    assert.ok(objects.every((o) => o.host === 'b.test'));
    assert.deepEqual(objects[1], {
      time: '2026-11-24T12:00:00.100Z',
      event: 'end',
      host: 'b.test',
      seq: 1,
      status: 'error',
      error: 'unknown host',
    });
    const recent = await cliDone(['logs', '--log-file', log, '--since', '10m']);
    assert.equal(recent.stdout, '', 'the fixture is older than 10 minutes');
  });

  it('summarises hosts with the numbers of the fixture', async () => {
    const r = await cliDone(['logs', '--summary', '--log-file', fixture('summary.log')]);
    assert.equal(r.code, 0);
    assert.match(
      r.stdout,
      /^a\.test: 5 probes, 4 up, 1 down, 0 error, availability 80%, loss 30%, rtt min\/avg\/p50\/p95\/max = 10\/25\/20\/40\/40 ms, stddev 11\.18 ms, jitter 10 ms, 1 outage \(longest 1s, 1s in all\), over 12s from /m,
    );
  });

  it('says which log it could not read', async () => {
    const r = await cliDone(['logs', '--log-file', '/nonexistent/ping.log']);
    assert.deepEqual(
      [r.code, r.stderr],
      [
        1,
        'ping-daemon: cannot read /nonexistent/ping.log: no such file or directory; name the log with --log-file\n',
      ],
    );
  });

  it("finds the running daemon's log, and status --json reports its state", async () => {
    const dir = tempDir();
    const log = join(dir, 'p.log');
    const pid = join(dir, 'd.pid');
    const start = await cliDone([
      'start',
      '--host',
      '127.0.0.1',
      '--interval',
      '100ms',
      ...fileArgs({ log, pid, svc: join(dir, 's.log') }),
    ]);
    assert.equal(start.code, 0, start.stderr);
    try {
      await waitFor('a few lines', () => readLines(log).length >= 4);
      const logs = await cliDone(['logs', '-n', '2', '--pid-file', pid]);
      assert.equal(logs.code, 0, logs.stderr);
      assert.equal(logs.stdout.trim().split('\n').length, 2);
      // The state file is rewritten within a second: wait for one that counts five probes.
      const s = await statusUntil(
        pid,
        'a state file with five probes',
        (state) => (state.stats?.hosts?.['127.0.0.1']?.probes ?? 0) >= 5,
      );
      assert.equal(s.running, true);
      // Its thresholds are shown; its channels (a webhook URL is a secret) are not.
      assert.deepEqual(s.targets, [
        {
          host: '127.0.0.1',
          intervalMs: 100,
          timeoutMs: 80,
          count: 1,
          alerts: { downAfter: 3, upAfter: 2, window: 20 },
        },
      ]);
      assert.equal(s.health['127.0.0.1'].state, 'up');
      assert.equal(s.logFile, log);
      const h = s.stats.hosts['127.0.0.1'];
      assert.ok(h.probes >= 5, JSON.stringify(h));
      // Every probe is counted once, by its result. A real ping on busy cores may miss its
      // 80 ms (an error, timeout): how many did is the machine's business, not the daemon's.
      assert.equal(h.up + h.down + h.error, h.probes, JSON.stringify(h));
      assert.ok(h.up >= 1, JSON.stringify(h));
      assert.equal(h.state, h.last.result.status);
    } finally {
      await cliDone(['stop', '--pid-file', pid]);
    }
    const stopped = await cliDone(['status', '--json', '--pid-file', pid]);
    assert.equal(stopped.code, 3);
    assert.deepEqual(JSON.parse(stopped.stdout), { running: false, pidFile: pid });
  });
});

describe('logs without --log-file', () => {
  it("says which log it reads when no daemon runs, and reads a dead daemon's last log", async () => {
    const dir = tempDir();
    const pid = join(dir, 'd.pid');
    const none = await cliDone(['logs', '--pid-file', pid]);
    assert.equal(
      none.stderr.split('\n')[0],
      `ping-daemon: no ping-daemon runs with PID file ${pid}; reading the default log /home/ping.log (name another with --log-file)`,
    );
    const log = join(dir, 'p.log');
    const started = await cliDone([
      'start',
      '--host',
      '127.0.0.1',
      '--interval',
      '100ms',
      ...fileArgs({ log, pid, svc: join(dir, 's.log') }),
    ]);
    assert.equal(started.code, 0, started.stderr);
    const daemon = Number(/pid (\d+)/.exec(started.stdout)?.[1]);
    await waitFor(
      'probes and the state file',
      () => existsSync(join(dir, 'd.state.json')) && seqs(readFileSync(log, 'utf8')).length >= 2,
    );
    process.kill(daemon, 'SIGKILL');
    await waitFor('the daemon to die', () => !isAlive(daemon));
    const last = await cliDone(['logs', '--pid-file', pid]);
    assert.equal(last.code, 0, last.stderr);
    assert.equal(
      last.stderr,
      `ping-daemon: ping-daemon is not running (pid ${daemon} is gone); reading the log of its last run, ${log}\n`,
    );
    assert.ok(seqs(last.stdout).length >= 2);
    await cliDone(['stop', '--pid-file', pid]);
  });
});

describe('logs -n', () => {
  it('shows a bad count as typed', async () => {
    const r = await cliDone(['logs', '-n', 'abc', '--log-file', '/dev/null']);
    assert.deepEqual(
      [r.code, r.stderr],
      [2, 'ping-daemon: -n must be a number of lines, got `abc`\n'],
    );
  });
});
