// Faults a production machine throws at a daemon (disk full, its directory gone, its ping
// killed, itself killed, signal storms, racing starts): it keeps running, reports once per
// change, and the log holds only whole lines.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { childrenOf } from '../../src/lifecycle/proc.js';
import {
  cli,
  cliDone,
  fileArgs,
  fixture,
  freePort,
  isRoot,
  killAtEnd,
  pairs,
  parseText,
  processesMatching,
  readLines,
  statusUntil,
  tempDir,
  waitFor,
  withoutVantage,
} from '../helpers/cli.js';

const NOBODY = 65534;
const events = (stderr: string) =>
  stderr
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { msg: string; level: number; [k: string]: unknown });

/** Every line parses (no torn line) and seq never goes back. */
function wholeLines(lines: string[]): void {
  let seq = 0;
  for (const line of lines) {
    const l = parseText(line);
    assert.ok(l.seq >= seq, `seq went back at ${line}`);
    seq = l.seq;
  }
}

describe('disk full', { skip: !isRoot && 'mounting a tmpfs needs root' }, () => {
  it('probing and alerts go on; status and metrics count the lost lines; one error; no partial line; resumes by itself', async () => {
    const dir = tempDir();
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
    const pingDir = join(dir, 'ping');
    cpSync(fixture('ping-switch'), pingDir, { recursive: true });
    const hook = join(dir, 'hook');
    writeFileSync(hook, `#!/bin/sh\necho "$PING_DAEMON_STATE" >> '${dir}/told'\n`, {
      mode: 0o755,
    });
    const port = await freePort();
    const pid = join(dir, 'd.pid');
    try {
      const log = join(mnt, 'ping.log');
      const filler = join(mnt, 'filler');
      // Leave about two lines of room, so the daemon fills the disk within a few ticks, and
      // mid-line.
      writeFileSync(filler, Buffer.alloc(64 * 1024 - 4096));
      spawnSync('sh', ['-c', `head -c 3900 /dev/zero >> ${filler}`]);
      const run = cli([
        'run',
        '--host',
        '127.0.0.1',
        '--interval',
        '50ms',
        '--ping-dir',
        pingDir,
        '--on-change',
        hook,
        '--metrics-listen',
        `127.0.0.1:${port}`,
        ...fileArgs({ log, pid }),
      ]);
      await waitFor(
        'the disk-full error',
        () => run.stderr().includes('no space left on device'),
        5000,
      );
      // The host goes down while nothing can be written: the alert still goes out.
      writeFileSync(join(pingDir, 'mode'), 'down\n');
      await waitFor('the down alert', () => readLines(join(dir, 'told')).includes('down'), 10_000);
      const full = await statusUntil(pid, 'the problem in status', (s) => s.stats.lostLines > 0);
      assert.equal(full.stats.logProblem.text, 'cannot write: no space left on device');
      const shown = await cliDone(['status', '--pid-file', pid]);
      assert.match(
        shown.stdout,
        /\n {2}ping log: cannot write: no space left on device since \S+ \(\w+\); \d+ lines lost\n/,
      );
      const metrics = withoutVantage(
        await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
      );
      assert.match(metrics, /^ping_log_ok 0$/m);
      assert.ok(Number(/^ping_log_lost_lines_total (\d+)$/m.exec(metrics)?.[1]) > 0, metrics);
      const errors = events(run.stderr()).filter((e) => e.level === 50);
      assert.equal(errors.length, 1, 'one error for the whole outage');
      unlinkSync(filler);
      await waitFor('writable again', () => run.stderr().includes('ping log writable again'));
      const before = readLines(log).length;
      await waitFor('lines after recovery', () => readLines(log).length >= before + 6);
      const after = await statusUntil(pid, 'recovery in status', (s) => !s.stats.logProblem);
      const lost = after.stats.lostLines as number;
      assert.match(
        (await cliDone(['status', '--pid-file', pid])).stdout,
        new RegExp(`\\n {2}ping log: writable again; ${lost} lines lost while it was not\\n`),
      );
      // The metrics are rendered at most once a second.
      await waitFor('the metrics after recovery', async () => {
        const text = withoutVantage(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
        return (
          /^ping_log_ok 1$/m.test(text) && text.includes(`\nping_log_lost_lines_total ${lost}\n`)
        );
      });
      run.child.kill('SIGTERM');
      assert.equal((await run.exit).code, 0);
      const lines = readLines(log);
      wholeLines(lines);
      assert.ok(readFileSync(log, 'latin1').endsWith('\n'));
      const recovered = events(run.stderr()).find((e) => e.msg === 'ping log writable again');
      assert.ok((recovered?.lostLines as number) > 0);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});

describe("the log's directory", () => {
  it('deleted while running: reports, keeps running, recovers when it is back', async () => {
    const dir = tempDir();
    const logDir = join(dir, 'logs');
    mkdirSync(logDir);
    const log = join(logDir, 'ping.log');
    const run = cli([
      'run',
      '--host',
      '127.0.0.1',
      '--interval',
      '50ms',
      ...fileArgs({ log, pid: join(dir, 'd.pid') }),
    ]);
    await waitFor('lines', () => readLines(log).length >= 4);
    rmSync(logDir, { recursive: true });
    await waitFor('the error', () =>
      run.stderr().includes('cannot write the ping log: no such file or directory'),
    );
    await new Promise((r) => setTimeout(r, 300));
    mkdirSync(logDir);
    await waitFor('lines in the new directory', () => readLines(log).length >= 4);
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
    wholeLines(readLines(log));
    assert.equal(events(run.stderr()).filter((e) => e.level === 50).length, 1);
    assert.equal(run.child.exitCode, 0);
  });

  it('made read-only while running: keeps writing to the rotated file, reports, recovers', {
    skip: !isRoot && 'runs the daemon as nobody, which needs root',
  }, async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const logDir = join(dir, 'logs');
    mkdirSync(logDir);
    chownSync(logDir, NOBODY, NOBODY);
    const log = join(logDir, 'ping.log');
    const run = cli(
      [
        'run',
        '--host',
        '127.0.0.1',
        '--interval',
        '50ms',
        ...fileArgs({ log, pid: join(logDir, 'd.pid') }),
      ],
      { uid: NOBODY, gid: NOBODY },
    );
    await waitFor('lines', () => readLines(log).length >= 4);
    chmodSync(logDir, 0o555);
    renameSync(log, `${log}.1`); // logrotate moved it, and the daemon may not create a new one
    await waitFor('the warning', () =>
      run
        .stderr()
        .includes(
          `cannot reopen ${log}: permission denied; still writing to the file opened before`,
        ),
    );
    const before = readLines(`${log}.1`).length;
    await waitFor('lines in the rotated file', () => readLines(`${log}.1`).length >= before + 4);
    chmodSync(logDir, 0o755);
    await waitFor('lines again', () => readLines(log).length >= 4);
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
    // Not one line lost: the rotated file and the new one hold every seq, in pairs.
    pairs([...readLines(`${log}.1`), ...readLines(log)].map(parseText));
    assert.doesNotMatch(run.stderr(), /cannot write the ping log/);
  });
});

describe('the ping child', () => {
  it('killed with SIGKILL mid-probe: the tick ends as an error on time and the next one runs', async () => {
    const dir = tempDir();
    const log = join(dir, 'p.log');
    const slow = fixture('ping-slow');
    const run = cli([
      'run',
      '--host',
      '127.0.0.1',
      '--interval',
      '1s',
      '--timeout',
      '800ms',
      '--ping-dir',
      slow,
      ...fileArgs({ log, pid: join(dir, 'd.pid') }),
    ]);
    const [child] = await waitFor('the stand-in', () => {
      const found = processesMatching(`${slow}/ping`);
      return found.length > 0 ? found : undefined;
    });
    process.kill(child as number, 'SIGKILL');
    await waitFor('the end line', () => readLines(log).length >= 2);
    await waitFor('the next tick', () => readLines(log).length >= 4, 10_000);
    run.child.kill('SIGTERM');
    await run.exit;
    const ends = pairs(readLines(log).map(parseText));
    assert.equal(ends[0]?.rest, ' status=error error="ping killed by SIGKILL"');
    assert.equal(ends[1]?.rest, ' status=up rtt_ms=500 loss=0%');
  });
});

describe('the daemon', () => {
  it('killed with SIGKILL: no torn line, and the next start recovers', async () => {
    const dir = tempDir();
    const log = join(dir, 'p.log');
    const pid = join(dir, 'd.pid');
    const files = fileArgs({ log, pid, svc: join(dir, 's.log') });
    for (let round = 0; round < 3; round++) {
      const r = await cliDone(['start', '--host', '127.0.0.1', '--interval', '20ms', ...files]);
      assert.equal(r.code, 0, r.stderr);
      await new Promise((res) => setTimeout(res, 200 + round * 37));
      process.kill(Number(readFileSync(pid, 'utf8')), 'SIGKILL');
    }
    const r = await cliDone(['start', '--host', '127.0.0.1', '--interval', '20ms', ...files]);
    assert.equal(r.code, 0, r.stderr);
    await cliDone(['stop', '--pid-file', pid]);
    // Each kill may leave one start line without its end; nothing else is missing or torn.
    const lines = readLines(log).map(parseText);
    let unpaired = 0;
    lines.forEach((line, i) => {
      const next = lines[i + 1];
      if (line.event === 'start' && !(next?.event === 'end' && next.seq === line.seq)) unpaired++;
      if (line.event === 'end') assert.equal(lines[i - 1]?.seq, line.seq);
    });
    assert.ok(unpaired <= 3, `${unpaired} start lines without an end`);
  });

  it('survives a storm of SIGHUPs with a SIGTERM in it, losing no line', async () => {
    const dir = tempDir();
    const log = join(dir, 'p.log');
    const pid = join(dir, 'd.pid');
    const run = cli([
      'run',
      '--host',
      '127.0.0.1',
      '--interval',
      '20ms',
      ...fileArgs({ log, pid }),
    ]);
    await waitFor('the PID file', () => existsSync(pid));
    for (let i = 0; i < 50; i++) run.child.kill('SIGHUP');
    run.child.kill('SIGTERM');
    for (let i = 0; i < 20; i++) run.child.kill('SIGHUP');
    const exit = await run.exit;
    assert.deepEqual(exit, { code: 0, signal: null });
    pairs(readLines(log).map(parseText));
    assert.ok(!existsSync(pid));
    assert.ok(!events(run.stderr()).some((e) => e.level >= 50));
  });

  it('stops cleanly on a SIGTERM during start-up', async () => {
    for (const delay of [0, 30, 60, 90, 120, 150, 180, 240]) {
      const dir = tempDir();
      const log = join(dir, 'p.log');
      const pid = join(dir, 'd.pid');
      const run = cli([
        'run',
        '--host',
        '127.0.0.1',
        '--interval',
        '20ms',
        ...fileArgs({ log, pid }),
      ]);
      await new Promise((r) => setTimeout(r, delay));
      run.child.kill('SIGTERM');
      const exit = await run.exit;
      // Before the daemon took over the signal, SIGTERM ends node at once, with nothing made yet.
      assert.ok(exit.code === 0 || exit.signal === 'SIGTERM', JSON.stringify(exit));
      assert.ok(!existsSync(pid), `PID file left after SIGTERM at ${delay} ms`);
      pairs(readLines(log).map(parseText));
    }
  });

  it('killed during start-up: start says how it died, leaves no process and no file', async () => {
    const dir = tempDir();
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid'), svc: join(dir, 's.log') };
    // 5,000 hosts keep stage 2 opening for a while, and the stand-in's half-second first probe
    // keeps it from reporting ready for as long.
    const hosts = Array.from(
      { length: 5000 },
      (_, i) => `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    );
    // A private copy: another test looks for the shared stand-in's processes by its path.
    const pingDir = join(dir, 'ping-slow');
    mkdirSync(pingDir);
    copyFileSync(fixture('ping-slow/ping'), join(pingDir, 'ping'));
    chmodSync(join(pingDir, 'ping'), 0o755);
    const start = cli([
      'start',
      '--host',
      hosts.join(','),
      '--interval',
      '1h',
      '--ping-dir',
      pingDir,
      ...fileArgs(files),
    ]);
    // The launcher's child is stage 1 (a shell); its child, stage 2, the daemon starting. It may
    // have been started before the launcher read its command line (docs/starting.md): it is
    // starting once it has read its settings and taken its title, `ping-daemon: HOST +N`.
    const titled = (pid: number): boolean => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('ping-daemon: ');
      } catch {
        return false;
      }
    };
    const stage2 = await waitFor(
      'stage 2 with its settings',
      () =>
        childrenOf(start.child.pid as number)
          .flatMap((stage1) => childrenOf(stage1))
          .find(titled),
      10_000,
      start.stderr,
    );
    process.kill(stage2, 'SIGKILL');
    const exit = await start.exit;
    const started = /pid (\d+)/.exec(start.stdout())?.[1];
    if (started) killAtEnd(Number(started)); // a start that wrongly succeeded leaves no daemon
    assert.equal(exit.code, 1, start.stdout());
    assert.equal(
      start.stderr(),
      `ping-daemon: the daemon died during start-up (killed by SIGKILL); see its service log ${files.svc}\n`,
    );
    assert.deepEqual(processesMatching(files.pid), []);
    assert.ok(!existsSync(files.pid), 'a PID file was left');
  });

  it('two starts at the same moment, 20 times: always exactly one daemon', async () => {
    for (let round = 0; round < 20; round++) {
      const dir = tempDir();
      const pid = join(dir, 'd.pid');
      const args = [
        'start',
        '--host',
        '127.0.0.1',
        '--interval',
        '1s',
        ...fileArgs({ log: join(dir, 'p.log'), pid, svc: join(dir, 's.log') }),
      ];
      const results = await Promise.all([cliDone(args), cliDone(args)]);
      assert.deepEqual(
        results.map((r) => r.code).sort(),
        [0, 1],
        results.map((r) => r.stderr).join(''),
      );
      const winner = Number(/pid (\d+)/.exec(results.find((r) => r.code === 0)?.stdout ?? '')?.[1]);
      assert.equal(readFileSync(pid, 'utf8'), `${winner}\n`);
      assert.match(
        results.find((r) => r.code === 1)?.stderr ?? '',
        new RegExp(`already running \\(pid ${winner},`),
      );
      assert.equal((await cliDone(['stop', '--pid-file', pid])).code, 0);
    }
  });
});
