// `start`, `stop`, `status`, `restart`, `reload` as an administrator uses them, checked on /proc.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { vantageOf } from '../../src/config/options.js';
import { statFields } from '../../src/lifecycle/proc.js';
import {
  cli,
  cliDone,
  fileArgs,
  fixture,
  hangingPing,
  isRoot,
  killAtEnd,
  openFiles,
  pairs,
  parseText,
  processesMatching,
  readLines,
  tempDir,
  waitFor,
} from '../helpers/cli.js';

function paths() {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  return {
    dir,
    log: join(dir, 'ping.log'),
    pid: join(dir, 'd.pid'),
    svc: join(dir, 'service.log'),
  };
}
type Paths = ReturnType<typeof paths>;

async function start(
  p: Paths,
  args: string[] = ['--host', '127.0.0.1', '--interval', '100ms'],
  env: Record<string, string> = {},
) {
  const t0 = Date.now();
  const r = await cliDone(['start', ...fileArgs(p), ...args], { env });
  const ms = Date.now() - t0;
  assert.equal(r.code, 0, r.stderr);
  const m =
    /^ping-daemon started \(pid (\d+)\): pinging (\S+) every (\S+), logging to (\S+)\n$/.exec(
      r.stdout,
    );
  assert.ok(m, r.stdout);
  const pid = Number(m[1]);
  killAtEnd(pid);
  return { pid, ms, stdout: r.stdout };
}

/** The daemon's state file beside the PID file, or undefined. */
function readState(p: Paths): unknown {
  try {
    return JSON.parse(readFileSync(join(p.dir, 'd.state.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Starts a daemon whose probes hang (a stand-in ping of its own); returns once a probe is in
 * flight, with `hanging()`, the stand-ins still running.
 */
async function startHanging(p: Paths, interval: string, timeout: string) {
  const args = ['--host', '127.0.0.1', '--interval', interval, '--timeout', timeout];
  const stand = hangingPing(p.dir);
  const started = await start(p, [...args, '--ping-dir', stand.pingDir]);
  await waitFor('a probe in flight', () => stand.running().length > 0);
  return { ...started, hanging: stand.running };
}

const ctl = (p: Paths, ...args: string[]) => cliDone([...args, '--pid-file', p.pid]);

/** The PIDs of ping-daemons that have `path` open. */
function holders(path: string): number[] {
  return processesMatching('ping-daemon: ').filter((pid) =>
    Object.values(openFiles(pid)).includes(path),
  );
}

describe('start', () => {
  it('daemonizes like daemon(7) and returns promptly with the PID', async () => {
    const p = paths();
    const { pid, ms, stdout } = await start(p, [
      '--host',
      '127.0.0.1',
      '--interval',
      '100ms',
      '--umask',
      '027',
    ]);
    assert.ok(ms < 3000, `start took ${ms} ms`);
    assert.match(stdout, /pinging 127\.0\.0\.1 every 100ms, logging to /);
    assert.equal(readFileSync(p.pid, 'utf8'), `${pid}\n`);
    const [, ppid, , session, tty] = statFields(pid);
    assert.notEqual(Number(session), pid, 'not a session leader');
    assert.equal(Number(tty), 0, 'no controlling terminal');
    assert.notEqual(Number(ppid), process.pid, 'not our child');
    assert.equal(readlinkSync(`/proc/${pid}/cwd`), '/');
    for (const fd of [0, 1, 2]) assert.equal(readlinkSync(`/proc/${pid}/fd/${fd}`), '/dev/null');
    assert.match(readFileSync(`/proc/${pid}/status`, 'latin1'), /^Umask:\s+0027$/m);
    assert.ok(readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('ping-daemon: 127.0.0.1'));
    await waitFor('end lines', () => readLines(p.log).length >= 4);
    assert.equal(statSync(p.log).mode & 0o777, 0o640);
    pairs(readLines(p.log).slice(0, 4).map(parseText));
    const stop = await ctl(p, 'stop');
    assert.deepEqual([stop.code, stop.stdout], [0, `ping-daemon stopped (pid ${pid})\n`]);
    assert.ok(!existsSync(p.pid));
    pairs(readLines(p.log).map(parseText));
    const events = readLines(p.svc).map((l) => JSON.parse(l).msg);
    assert.deepEqual([events[0], events.at(-1)], ['started', 'stopped']);
  });

  it('keeps no descriptor that whoever started it leaked', async () => {
    const p = paths();
    const leaked = join(p.dir, 'leaked');
    const fd = openSync(leaked, 'w');
    try {
      // As a shell or a CI runner does: an open file on descriptor 40, not close-on-exec (Node
      // itself marks the low ones it inherits close-on-exec, up to about 30).
      const stdio = Array.from({ length: 41 }, (_, i) =>
        i === 40 ? fd : i === 1 || i === 2 ? 'pipe' : 'ignore',
      );
      const run = cli(['start', ...fileArgs(p), '--host', '127.0.0.1', '--interval', '100ms'], {
        stdio,
      });
      const { code } = await run.exit;
      assert.equal(code, 0, run.stderr());
    } finally {
      closeSync(fd);
    }
    const pid = Number(readFileSync(p.pid, 'utf8'));
    killAtEnd(pid);
    // Its probes' pipes come and go while this looks (openFiles leaves out one closed meanwhile).
    const held = Object.values(openFiles(pid));
    assert.ok(held.includes(p.log), held.join(' '));
    assert.ok(!held.includes(leaked), held.join(' '));
    assert.equal((await ctl(p, 'stop')).code, 0);
  });

  it('starts with a config of 10,000 hosts (too large for an environment variable)', async () => {
    const p = paths();
    const config = join(p.dir, 'fleet.json');
    const hosts = Array.from(
      { length: 10_000 },
      (_, i) => `127.${((i + 1) >> 16) & 255}.${((i + 1) >> 8) & 255}.${(i + 1) & 255}`,
    );
    writeFileSync(config, JSON.stringify({ hosts, interval: '24h' }));
    const r = await cliDone(['start', ...fileArgs(p), '-c', config]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^ping-daemon started \(pid (\d+)\): pinging 10000 hosts \(127\.0\.0\.1, /,
    );
    killAtEnd(Number(/pid (\d+)/.exec(r.stdout)?.[1]));
    await waitFor('a probe', () => readLines(p.log).some((l) => l.startsWith('end')));
    assert.equal((await ctl(p, 'stop')).code, 0);
  });

  it('fails, saying why, when the daemon dies in its first tick', async () => {
    const p = paths();
    // A stand-in ping that kills the daemon that ran it (by its PID file: the launcher's shell
    // stands between them): nothing start can check beforehand.
    const pingDir = join(p.dir, 'ping-kill');
    mkdirSync(pingDir);
    writeFileSync(join(pingDir, 'ping'), `#!/bin/sh\nkill -KILL "$(cat '${p.pid}')"\nsleep 5\n`, {
      mode: 0o755,
    });
    const r = await cliDone([
      'start',
      ...fileArgs(p),
      '--host',
      '127.0.0.1',
      '--ping-dir',
      pingDir,
    ]);
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^ping-daemon: the daemon died during start-up \(killed by SIGKILL\); see its service log /,
    );
    assert.equal(processesMatching(p.pid).length, 0);
  });

  it('warns of a name that does not resolve, and status shows it unresolved', async () => {
    const p = paths();
    const r = await cliDone([
      'start',
      ...fileArgs(p),
      '--host',
      'nosuch.test',
      '--interval',
      '1s',
      '--timeout',
      '900ms',
      '--ping-dir',
      fixture('ping-unknown-host'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    killAtEnd(Number(/pid (\d+)/.exec(r.stdout)?.[1]));
    assert.match(
      r.stderr,
      /^ping-daemon: warning: nosuch\.test does not resolve \(ping: unknown host\); the daemon keeps trying/,
    );
    const status = await ctl(p, 'status');
    assert.match(status.stdout, /^ {2}nosuch\.test: unresolved; /m);
    assert.equal((await ctl(p, 'stop')).code, 0);
  });

  it('leaves no process behind when a start fails, or when the command was not a start', async () => {
    const p = paths();
    // Looks like a start until the command line is read: the early daemon must go again.
    for (const args of [
      ['--host', '127.0.0.1', '--log-file', join(p.dir, 'no/such/dir/p.log'), '--pid-file', p.pid],
      ['--host', '127.0.0.1', '--pid-file', p.pid, '--interval', 'never'],
      ['--pid-file', p.pid, '--no-such-option'],
    ]) {
      const r = await cliDone(args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.equal(r.stderr.split('\n').length, 2, r.stderr);
      await waitFor('no early daemon', () => processesMatching(p.pid).length === 0, 5000);
    }
  });

  it('refuses a second start while one runs', async () => {
    const p = paths();
    const { pid } = await start(p);
    const r = await cliDone(['start', ...fileArgs(p), '--host', '127.0.0.1']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `ping-daemon: already running (pid ${pid}, PID file ${p.pid}); stop it with 'ping-daemon stop --pid-file ${p.pid}' first\n`,
    );
    await ctl(p, 'stop');
  });

  it('refuses a second daemon on the same log, whatever its PID file', async () => {
    const p = paths();
    const { pid } = await start(p);
    try {
      const other = join(p.dir, 'other.pid');
      const r = await cliDone([
        'start',
        ...fileArgs({ ...p, pid: other, svc: join(p.dir, 'other.log') }),
        '--host',
        '127.0.0.1',
      ]);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `ping-daemon: another ping-daemon (pid ${pid}, PID file ${p.pid}) already writes ${p.log}; stop it first (ping-daemon stop --pid-file ${p.pid}), or choose another --log-file\n`,
      );
      assert.ok(!existsSync(other));
    } finally {
      await ctl(p, 'stop');
    }
  });

  it('leaves exactly one daemon when several starts race for one PID file', async () => {
    for (let round = 0; round < 3; round++) {
      const p = paths();
      const results = await Promise.all(
        [1, 2, 3].map(() =>
          cliDone(['start', ...fileArgs(p), '--host', '127.0.0.1', '--interval', '100ms']),
        ),
      );
      const winners = results.filter((r) => r.code === 0);
      for (const r of results) {
        const pid = /pid (\d+)/.exec(r.stdout)?.[1];
        if (pid) killAtEnd(Number(pid));
      }
      assert.equal(winners.length, 1, results.map((r) => r.stderr).join(''));
      for (const loser of results.filter((r) => r.code !== 0)) {
        assert.match(loser.stderr, /^ping-daemon: already running \(pid \d+/);
      }
      // A loser may still be on its way out (it opened the log before it lost the PID file).
      await waitFor('one daemon holding the log', () => holders(p.log).length === 1);
      await ctl(p, 'stop');
    }
  });
});

describe('status, stop, restart, reload', () => {
  it('follow LSB: status 0 running, 1 dead with PID file, 3 stopped; stop of a stopped daemon is 0', async () => {
    const p = paths();
    assert.deepEqual(await ctl(p, 'status'), {
      code: 3,
      stdout: `ping-daemon is not running (no PID file ${p.pid})\n`,
      stderr: '',
    });
    const { pid } = await start(p);
    const running = await ctl(p, 'status');
    assert.equal(running.code, 0);
    assert.match(
      running.stdout,
      new RegExp(
        `^ping-daemon is running \\(pid ${pid}\\) since \\S+, up \\d+s\\n  pinging 127.0.0.1 every 100ms from ${vantageOf(undefined)}, logging to ${p.log}\\n  prober: ping \\(auto: 1 host, one ping per tick below 10\\)\\n  127.0.0.1: `,
      ),
    );
    process.kill(pid, 'SIGKILL');
    await waitFor(
      'the daemon to die',
      () => !existsSync(`/proc/${pid}`) || statFields(pid)[0] === 'Z',
    );
    const dead = await ctl(p, 'status');
    assert.equal(dead.code, 1);
    assert.match(dead.stdout, /is not running, but its PID file .* remains/);
    // kill -9, then start again: the stale PID file is replaced, and said so.
    const again = await start(p);
    const svc = () => readLines(p.svc).map((l) => JSON.parse(l) as { msg: string; pid: number });
    await waitFor(
      'the stale PID file told',
      () => svc().some((e) => e.msg === 'replaced a stale PID file' && e.pid === again.pid),
      5000,
      () =>
        `pid ${again.pid}; service log: ${svc()
          .map((e) => `${e.pid} ${e.msg}`)
          .join(' | ')}`,
    );
    assert.equal((await ctl(p, 'stop')).code, 0);
    const stopped = await ctl(p, 'stop');
    assert.deepEqual(
      [stopped.code, stopped.stdout],
      [0, `ping-daemon is not running (no PID file ${p.pid})\n`],
    );
  });

  it('never signals an unrelated process that reused the PID', async () => {
    const p = paths();
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(p.pid, `${stranger.pid}\n`);
      assert.equal((await ctl(p, 'status')).code, 1);
      const reload = await ctl(p, 'reload');
      assert.equal(reload.code, 7);
      const stop = await ctl(p, 'stop');
      assert.equal(stop.code, 0);
      assert.match(stop.stdout, /not running \(removed the stale PID file/);
      assert.equal(stranger.exitCode, null);
      assert.equal(stranger.signalCode, null);
      assert.ok(existsSync(`/proc/${stranger.pid}`));
    } finally {
      stranger.kill();
    }
  });

  it('stop leaves no ping process behind', async () => {
    const p = paths();
    const { hanging } = await startHanging(p, '1s', '300ms');
    assert.equal((await ctl(p, 'stop')).code, 0);
    // Killed with its process group before the daemon exits; on a loaded machine the kernel may
    // take a moment to take it down.
    await waitFor(
      'no stand-in ping left',
      () => hanging().length === 0,
      2000,
      () => JSON.stringify(hanging()),
    );
    pairs(readLines(p.log).map(parseText));
  });

  it('stop --timeout reports a daemon still finishing its probe; a second stop ends it at once', async () => {
    const p = paths();
    const { pid, hanging } = await startHanging(p, '20s', '15s');
    const slow = await ctl(p, 'stop', '--timeout', '300ms');
    assert.equal(slow.code, 1);
    assert.equal(
      slow.stderr,
      `ping-daemon: ping-daemon (pid ${pid}) is still running after 300ms; wait longer with --timeout, or use --force to kill it\n`,
    );
    const again = await ctl(p, 'stop', '--timeout', '2s');
    assert.deepEqual([again.code, again.stdout], [0, `ping-daemon stopped (pid ${pid})\n`]);
    assert.ok(!existsSync(p.pid));
    await waitFor('no stand-in ping left', () => hanging().length === 0);
    pairs(readLines(p.log).map(parseText));
  });

  it('stop --force kills a wedged daemon and its probes', async () => {
    const p = paths();
    const { pid, hanging } = await startHanging(p, '20s', '15s');
    process.kill(pid, 'SIGSTOP'); // wedged: it cannot act on SIGTERM
    const forced = await ctl(p, 'stop', '--timeout', '300ms', '--force');
    assert.deepEqual(
      [forced.code, forced.stdout],
      [0, `ping-daemon stopped (pid ${pid}) with SIGKILL\n`],
    );
    assert.ok(!existsSync(p.pid));
    await waitFor('no stand-in ping left', () => hanging().length === 0);
  });

  it('restart gives a new PID', async () => {
    const p = paths();
    const first = await start(p);
    const r = await cliDone([
      'restart',
      ...fileArgs(p),
      '--host',
      '127.0.0.1',
      '--interval',
      '100ms',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [stopLine, startLine] = r.stdout.split('\n');
    assert.equal(stopLine, `ping-daemon stopped (pid ${first.pid})`);
    const pid = Number(/pid (\d+)/.exec(startLine ?? '')?.[1]);
    killAtEnd(pid);
    assert.notEqual(pid, first.pid);
    assert.equal(readFileSync(p.pid, 'utf8'), `${pid}\n`);
    await ctl(p, 'stop');
  });

  it('a bare restart starts the daemon again as it was started', async () => {
    const p = paths();
    const first = await start(p, ['--host', '127.0.0.1', '--interval', '150ms'], {
      PING_DAEMON_FORMAT: 'json',
    });
    const r = await cliDone(['restart', '--pid-file', p.pid]);
    assert.equal(r.code, 0, r.stderr);
    const pid = Number(/started \(pid (\d+)\)/.exec(r.stdout)?.[1]);
    killAtEnd(pid);
    assert.notEqual(pid, first.pid);
    assert.match(r.stdout, new RegExp(`pinging 127.0.0.1 every 150ms, logging to ${p.log}`));
    await waitFor('the state', () => (readState(p) as { pid?: number } | undefined)?.pid === pid);
    const state = readState(p) as { format: string };
    assert.equal(state.format, 'json', 'its environment came along');
    await ctl(p, 'stop');
  });

  it('restart checks the new settings before stopping the old daemon', async () => {
    const p = paths();
    const first = await start(p);
    const r = await cliDone([
      'restart',
      ...fileArgs({ ...p, log: join(p.dir, 'missing-dir', 'p.log') }),
      '--host',
      '127.0.0.1',
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot write .*missing-dir\/p\.log: no such file or directory/);
    assert.equal(readFileSync(p.pid, 'utf8'), `${first.pid}\n`, 'the old daemon still runs');
    assert.equal((await ctl(p, 'status')).code, 0);
    await ctl(p, 'stop');
  });

  it('reload applies a changed interval from the config file, and reports a bad one', async () => {
    const p = paths();
    const config = join(p.dir, 'config.json');
    writeFileSync(config, JSON.stringify({ host: '127.0.0.1', interval: '1s' }));
    const { pid } = await start(p, ['-c', config]);
    writeFileSync(config, JSON.stringify({ host: '127.0.0.1', interval: '100ms' }));
    const ok = await cliDone(['reload', '-c', config, '--pid-file', p.pid]);
    assert.deepEqual([ok.code, ok.stdout], [0, `ping-daemon reloaded (pid ${pid})\n`]);
    await waitFor('fast ticks', () => readLines(p.log).length >= 10, 10_000);
    assert.match((await ctl(p, 'status')).stdout, /every 100ms/);
    writeFileSync(config, '{"interval": "fast"}');
    const bad = await cliDone(['reload', '--pid-file', p.pid]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /^ping-daemon: reload failed, the daemon keeps its old settings: config file .*: interval must be a positive duration/,
    );
    assert.match((await ctl(p, 'status')).stdout, /every 100ms/);
    await ctl(p, 'stop');
  });

  it('status tells the time in the zone of the ping log', async () => {
    const p = paths();
    const env = { TZ: 'Asia/Shanghai' };
    const started = await cliDone(
      ['start', ...fileArgs(p), '--host', '127.0.0.1', '--interval', '100ms'],
      { env },
    );
    assert.equal(started.code, 0, started.stderr);
    try {
      await waitFor('probes', () => readLines(p.log).length >= 2);
      await waitFor('the state', () => existsSync(join(p.dir, 'd.state.json')));
      assert.match(readLines(p.log)[0] as string, /\+08:00 host=/);
      const status = await cliDone(['status', '--pid-file', p.pid], { env });
      assert.match(status.stdout, /since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00, up/);
      assert.doesNotMatch(status.stdout, /\d\dZ\b/);
    } finally {
      await ctl(p, 'stop');
    }
  });

  it('reload of a stopped daemon is 7', async () => {
    const p = paths();
    const r = await ctl(p, 'reload');
    assert.equal(r.code, 7);
    assert.equal(
      r.stderr,
      `ping-daemon: not running (no live daemon holds ${p.pid}); nothing to reload\n`,
    );
  });

  it("a user's stop or reload of root's daemon says whose it is", {
    skip: !isRoot && 'needs root to start a daemon as root and act as nobody',
  }, async () => {
    const p = paths();
    const { pid } = await start(p);
    try {
      for (const command of ['stop', 'reload']) {
        const r = await cliDone([command, '--pid-file', p.pid], { uid: 65534, gid: 65534 });
        assert.deepEqual(
          [r.code, r.stderr],
          [
            4,
            `ping-daemon: ping-daemon (pid ${pid}) belongs to another user (uid 0); run 'ping-daemon ${command}' as that user or as root\n`,
          ],
          command,
        );
      }
    } finally {
      await ctl(p, 'stop');
    }
  });
});

describe('--user and --group', () => {
  it('refuses when not root', {
    skip: !isRoot && 'the refusal test runs as nobody, which needs root',
  }, async () => {
    const p = paths();
    const r = await cliDone(['start', ...fileArgs(p), '--host', '127.0.0.1', '--user', 'root'], {
      uid: 65534,
      gid: 65534,
    });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'ping-daemon: --user needs root to switch to it, but ping-daemon runs as uid 65534\n',
    );
  });

  it('drops to the user after opening the files', { skip: !isRoot && 'needs root' }, async () => {
    const p = paths();
    // The state file is written beside the PID file every second: its directory is nobody's.
    const run = join(p.dir, 'run');
    mkdirSync(run);
    chownSync(run, 65534, 65534);
    p.pid = join(run, 'd.pid');
    const { pid } = await start(p, [
      '--host',
      '127.0.0.1',
      '--interval',
      '100ms',
      '--user',
      'nobody',
    ]);
    assert.match(
      readFileSync(`/proc/${pid}/status`, 'latin1'),
      /^Uid:\s+65534\s+65534\s+65534\s+65534$/m,
    );
    await waitFor(
      'up lines',
      () => readLines(p.log).filter((l) => l.includes('status=up')).length >= 2,
    );
    // The logs it created are its own, so that it can reopen them and logrotate's `create`
    // gives their successors the same owner.
    assert.equal(statSync(p.log).uid, 65534);
    assert.equal(statSync(p.svc).uid, 65534);
    assert.equal((await ctl(p, 'reload')).code, 0);
    assert.equal((await ctl(p, 'stop')).code, 0);
    assert.ok(!existsSync(p.pid));
  });

  it('refuses an unknown user', { skip: !isRoot && 'needs root' }, async () => {
    const r = await cliDone([
      'start',
      ...fileArgs(paths()),
      '--host',
      '127.0.0.1',
      '--user',
      'no-such-user-x',
    ]);
    assert.deepEqual([r.code, r.stderr], [1, 'ping-daemon: --user no-such-user-x: no such user\n']);
  });
});
