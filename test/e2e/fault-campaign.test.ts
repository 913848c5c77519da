// The fault campaign of issue 28 (docs/reliability.md has the table): faults a daemon running
// for months on a fleet meets sooner or later, each provoked for real, each asserting what users
// must see. (faults.test.ts holds the earlier ones: disk full, a deleted directory, SIGKILLs.)
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  cli,
  cliDone,
  fileArgs,
  fixture,
  freePort,
  has,
  isRoot,
  killAtEnd,
  parseText,
  processesMatching,
  readLines,
  statusUntil,
  type TextLine,
  tempDir,
  waitFor,
} from '../helpers/cli.js';

const NOBODY = 65534;

/** GET http://127.0.0.1:PORT/PATH on a connection of its own, as Prometheus scrapes (its default timeout, 10 s): the status, or 0. */
function scrape(port: number, path = '/metrics'): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: 10_000 }, (res) => {
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

const noFping = !has('fping') && 'fping is not installed (apt-get install fping; .ci/run does)';

/** The fping processes (not their shells) probing `host`. */
function fpingsFor(host: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const argv = readFileSync(`/proc/${e}/cmdline`, 'latin1').split('\0');
        return argv[0]?.endsWith('/fping') && argv.includes(host);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Each host's start lines are followed by their end lines, with no start left without one. */
function everyStartHasItsEnd(log: string): void {
  for (const [host, lines] of byHost(log)) {
    lines.forEach((l, i) => {
      if (l.event === 'start') {
        assert.deepEqual([lines[i + 1]?.event, lines[i + 1]?.seq], ['end', l.seq], host);
      }
    });
  }
}

/** libfaketime, where Debian's `faketime` package puts it ('' without it). */
const LIBFAKETIME =
  readdirSync('/usr/lib')
    .map((d) => `/usr/lib/${d}/faketime/libfaketime.so.1`)
    .find((p) => existsSync(p)) ?? '';

/**
 * A wall clock the test sets, for the daemon and (through `env`) for a stand-in fping: libfaketime
 * reading its offset from a file at every call, the monotonic clock left alone, as a real step
 * of the clock (settimeofday, an NTP step) leaves it.
 */
function steppableClock(dir: string) {
  const file = join(dir, 'faketime');
  writeFileSync(file, '+0');
  let offsetS = 0;
  return {
    env: {
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: file,
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    },
    set(seconds: number) {
      offsetS = seconds;
      writeFileSync(file, `${seconds >= 0 ? '+' : ''}${seconds}`);
    },
    /** What the daemon's clock says now, ms. */
    now: () => Date.now() + offsetS * 1000,
  };
}

/** Each host's lines, in the order written. */
function byHost(log: string): Map<string, TextLine[]> {
  const hosts = new Map<string, TextLine[]>();
  for (const line of readLines(log).map(parseText)) {
    hosts.set(line.host, [...(hosts.get(line.host) ?? []), line]);
  }
  return hosts;
}

/**
 * Steps the clock +1 h, back (-1 h), -1 day and back (+1 day) under a daemon probing `hosts`
 * every 100 ms, and checks what users must see: every start line has its end, no burst of ticks
 * and no gap (as many ticks as the time that really passed holds), timestamps on the new clock
 * after each step, and durations that stay true.
 */
async function stepTheClock(
  clock: ReturnType<typeof steppableClock>,
  hosts: string[],
  log: string,
  run: ReturnType<typeof cli>,
): Promise<void> {
  const every = () => byHost(log);
  await waitFor(
    '5 ticks per host',
    () => hosts.every((h) => (every().get(h)?.length ?? 0) >= 10),
    20_000,
    run.stderr,
  );
  const began = performance.now();
  const counted = new Map(hosts.map((h) => [h, every().get(h)?.length ?? 0]));
  for (const offset of [3600, 0, -86_400, 0]) {
    const from = readLines(log).length;
    clock.set(offset);
    // Lines on the new clock, for every host, then ten more ticks of it.
    await waitFor(
      `lines on the clock ${offset} s off`,
      () => {
        const after = readLines(log).slice(from).map(parseText);
        return hosts.every(
          (h) =>
            after.filter((l) => l.host === h && Math.abs(Date.parse(l.time) - clock.now()) < 60_000)
              .length >= 20,
        );
      },
      20_000,
      () => `${run.stderr().slice(-2000)}\n${readLines(log).slice(-4).join('\n')}`,
    );
  }
  run.child.kill('SIGTERM');
  assert.equal((await run.exit).code, 0, run.stderr());
  const elapsedTicks = (performance.now() - began) / 100;
  everyStartHasItsEnd(log);
  for (const [host, lines] of every()) {
    lines.forEach((l) => {
      // Durations stay true: no RTT of an hour, or below zero.
      const rtt = /rtt_ms=([\d.-]+)/.exec(l.rest)?.[1];
      if (rtt !== undefined)
        assert.ok(Number(rtt) >= 0 && Number(rtt) < 1000, `${host}: ${l.rest}`);
    });
    const ticks = (lines.length - (counted.get(host) ?? 0) * 1) / 2;
    // A burst after the step forward would be 36,000 ticks; a stall after a step back, none for
    // an hour. Each step may cost a tick or two; a loaded machine runs late, never early.
    assert.ok(
      ticks <= elapsedTicks + 8,
      `${host}: ${ticks} ticks in ${elapsedTicks.toFixed(0)} intervals`,
    );
    assert.ok(
      ticks >= elapsedTicks * 0.3 - 8,
      `${host}: ${ticks} ticks in ${elapsedTicks.toFixed(0)} intervals`,
    );
  }
}

describe('the wall clock stepped ±1 h and ±1 day under load', {
  skip: !LIBFAKETIME && 'libfaketime is not installed (apt-get install faketime; .ci/run does)',
}, () => {
  it('the fleet prober, 40 hosts: fping is started again on the new clock, no burst, no gap', async () => {
    const dir = tempDir();
    const clock = steppableClock(dir);
    const pingDir = join(dir, 'fping');
    cpSync(fixture('fping-wallclock'), pingDir, { recursive: true });
    writeFileSync(join(pingDir, 'node'), process.execPath);
    writeFileSync(
      join(pingDir, 'env'),
      Object.entries(clock.env)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
    const hosts = Array.from({ length: 40 }, (_, i) => `127.0.6.${i + 1}`);
    const log = join(dir, 'p.log');
    const run = cli(
      [
        'run',
        ...['--prober', 'fping', '--ping-dir', pingDir, '--host', hosts.join(',')],
        ...['--interval', '100ms', '--history-dir', 'off'],
        ...fileArgs({ log, pid: join(dir, 'd.pid') }),
      ],
      { env: clock.env },
    );
    await stepTheClock(clock, hosts, log, run);
    const steps = run
      .stderr()
      .split('\n')
      .filter((l) => l.includes('the wall clock stepped by'));
    assert.ok(steps.length >= 3, run.stderr());
    assert.doesNotMatch(run.stderr(), /"level":50/);
  });

  it('one ping per tick, 10 hosts, with history: the schedule keeps the monotonic clock', async () => {
    const dir = tempDir();
    const clock = steppableClock(dir);
    const hosts = Array.from({ length: 10 }, (_, i) => `127.0.7.${i + 1}`);
    const log = join(dir, 'p.log');
    const run = cli(
      [
        'run',
        ...['--host', hosts.join(','), '--interval', '100ms'],
        ...fileArgs({ log, pid: join(dir, 'd.pid') }),
      ],
      { env: clock.env },
    );
    await stepTheClock(clock, hosts, log, run);
    assert.doesNotMatch(run.stderr(), /"level":50/);
  });
});

describe('an fping loop that stops answering', { skip: noFping }, () => {
  it('stopped with SIGSTOP: killed and started again within a few intervals; every start line has its end', async () => {
    const dir = tempDir();
    const hosts = ['127.0.8.1', '127.0.8.2'];
    const log = join(dir, 'p.log');
    const run = cli([
      'run',
      ...['--prober', 'fping', '--host', hosts.join(','), '--interval', '100ms'],
      ...['--timeout', '80ms', '--history-dir', 'off'],
      ...fileArgs({ log, pid: join(dir, 'd.pid') }),
    ]);
    try {
      const [stopped] = await waitFor(
        'fping',
        () => {
          const found = fpingsFor('127.0.8.1');
          return found.length === 1 ? found : undefined;
        },
        10_000,
        run.stderr,
      );
      await waitFor('ticks', () => readLines(log).length >= 8, 10_000, run.stderr);
      process.kill(stopped as number, 'SIGSTOP');
      const at = performance.now();
      const restarted = await waitFor(
        'another fping',
        () => fpingsFor('127.0.8.1').find((pid) => pid !== stopped),
        20_000,
        run.stderr,
      );
      // 3 periods, the timeout and the 1.5 s grace of silence, then a backoff of 1 s.
      assert.ok(performance.now() - at < 15_000);
      await waitFor('the stopped fping gone', () => !existsSync(`/proc/${stopped}`));
      assert.match(run.stderr(), /fping stopped: no line for [\d.]+m?s; killed it/);
      const from = readLines(log).length;
      await waitFor('replies again', () =>
        readLines(log)
          .slice(from)
          .some((l) => l.includes('host=127.0.8.1') && l.includes('status=up')),
      );
      assert.deepEqual(fpingsFor('127.0.8.1'), [restarted]);
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
    everyStartHasItsEnd(log);
  });

  it('silent about one host that has a route: the loop is started again; without a route it is left alone', async () => {
    const dir = tempDir();
    const pingDir = join(dir, 'fping');
    cpSync(fixture('fping-wallclock'), pingDir, { recursive: true });
    writeFileSync(join(pingDir, 'node'), process.execPath);
    const hosts = ['127.0.8.11', '127.0.8.12', '127.0.8.13'];
    const log = join(dir, 'p.log');
    const run = cli([
      'run',
      ...['--prober', 'fping', '--ping-dir', pingDir, '--host', hosts.join(',')],
      ...['--interval', '100ms', '--timeout', '80ms', '--history-dir', 'off'],
      ...fileArgs({ log, pid: join(dir, 'd.pid') }),
    ]);
    try {
      await waitFor('ticks', () => readLines(log).length >= 12, 10_000, run.stderr);
      writeFileSync(join(pingDir, 'silent'), '127.0.8.12\n');
      await waitFor(
        'the restart',
        () =>
          run
            .stderr()
            .includes(
              'fping was silent about 127.0.8.12 for 3 periods, though it has a route; fping for 3 hosts started again at once',
            ),
        10_000,
        run.stderr,
      );
      unlinkSync(join(pingDir, 'silent'));
      const from = readLines(log).length;
      await waitFor(
        '127.0.8.12 answers again',
        () =>
          readLines(log)
            .slice(from)
            .some((l) => l.includes('host=127.0.8.12') && l.includes('status=up')),
        10_000,
      );
      // Its silent ticks were errors, the others' went on.
      const ends = readLines(log)
        .map(parseText)
        .filter((l) => l.event === 'end');
      assert.ok(
        ends.some((l) => l.host === '127.0.8.12' && l.rest.includes('echo request not sent')),
      );
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
    everyStartHasItsEnd(log);
  });
});

describe('a 10,000-host config', () => {
  it('starts, staggers its probes over the interval, and reloads a change of two hosts', async () => {
    const dir = tempDir();
    const hosts = Array.from(
      { length: 10_000 },
      (_, i) => `127.9.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    );
    const config = join(dir, 'fleet.json');
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid'), svc: join(dir, 's.log') };
    const write = (list: string[]) =>
      writeFileSync(
        config,
        JSON.stringify({
          host: list.join(','),
          // 10,000 hosts spread over 1,000 s: one every 100 ms.
          interval: '1000s',
          logFile: files.log,
          pidFile: files.pid,
          serviceLog: files.svc,
          historyDir: 'off',
        }),
      );
    write(hosts);
    const started = await cliDone(['start', '-c', config]);
    assert.equal(started.code, 0, started.stderr);
    const pid = Number(readFileSync(files.pid, 'utf8'));
    killAtEnd(pid);
    try {
      await waitFor('20 probes', () => readLines(files.log).length >= 40, 20_000);
      const starts = readLines(files.log)
        .map(parseText)
        .filter((l) => l.event === 'start')
        .slice(0, 20);
      // In the order of the config, each about 100 ms after the one before: not all at once.
      assert.deepEqual(
        starts.map((l) => l.host),
        hosts.slice(0, 20),
      );
      const spread = Date.parse(starts[19]?.time ?? '') - Date.parse(starts[0]?.time ?? '');
      // 1.9 s apart when on time; all at once would be a few ms. A late first tick shortens it.
      assert.ok(spread >= 1000, `20 probes within ${spread} ms`);
      // One host less, one more.
      write([...hosts.filter((h) => h !== '127.9.0.2'), '127.9.99.1']);
      const reloaded = await cliDone(['reload', '--pid-file', files.pid]);
      assert.deepEqual(
        [reloaded.code, reloaded.stdout],
        [0, `ping-daemon reloaded (pid ${pid})\n`],
      );
      const said = readLines(files.svc)
        .map((l) => JSON.parse(l))
        .find((e) => e.msg === 'reloaded');
      assert.deepEqual(said.changed, {
        added: ['127.9.99.1'],
        removed: ['127.9.0.2'],
        changed: [],
      });
      const state = await statusUntil(
        files.pid,
        'the new hosts',
        (s) => s.targets.length === 10_000,
      );
      const names = new Set(state.targets.map((t: { host: string }) => t.host));
      assert.ok(names.has('127.9.99.1') && !names.has('127.9.0.2'));
    } finally {
      assert.equal((await cliDone(['stop', '--pid-file', files.pid])).code, 0);
    }
  });
});

describe('100 starts, stops, restarts and reloads racing from 4 shells', () => {
  it('leave one daemon or none, never an orphan, and a PID file naming it or none', async () => {
    const dir = tempDir();
    const host = '127.0.10.77';
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid'), svc: join(dir, 's.log') };
    // As an admin's shells would: every command with the daemon's config file.
    const config = join(dir, 'c.json');
    writeFileSync(
      config,
      JSON.stringify({
        host,
        interval: '1h',
        pingDir: fixture('ping-up'),
        logFile: files.log,
        pidFile: files.pid,
        serviceLog: files.svc,
      }),
    );
    const commands: Record<string, string[]> = {
      start: ['start', '-c', config],
      restart: ['restart', '-c', config],
      reload: ['reload', '-c', config],
      stop: ['stop', '-c', config],
    };
    const names = Object.keys(commands);
    let seed = 28;
    const pick = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return names[seed % names.length] as string;
    };
    const shells = Array.from({ length: 4 }, () => Array.from({ length: 25 }, pick));
    const outcomes: { what: string; code: number | null; stderr: string }[] = [];
    await Promise.all(
      shells.map(async (ops) => {
        for (const what of ops) {
          const r = await cliDone(commands[what] as string[]);
          outcomes.push({ what, code: r.code, stderr: r.stderr });
        }
      }),
    );
    try {
      for (const o of outcomes) {
        // Each told what happened in a line, with the exit code of its kind, never a trace.
        assert.ok([0, 1, 3, 7].includes(o.code as number), JSON.stringify(o));
        assert.ok(o.stderr.split('\n').length <= 2 && !/\n\s+at /.test(o.stderr), o.stderr);
      }
      const daemons = processesMatching(`ping-daemon: ${host}`);
      assert.ok(daemons.length <= 1, `daemons: ${daemons.join(', ')}`);
      // Nothing else of theirs is left: no launcher, no stage 1, no probe.
      const others = processesMatching(host).filter((p) => !daemons.includes(p));
      assert.deepEqual(others, []);
      const [daemon] = daemons;
      if (daemon === undefined) assert.ok(!existsSync(files.pid), 'a PID file without a daemon');
      else assert.equal(readFileSync(files.pid, 'utf8'), `${daemon}\n`);
      const status = await cliDone(['status', '--pid-file', files.pid]);
      assert.equal(status.code, daemon === undefined ? 3 : 0, status.stdout + status.stderr);
    } finally {
      await cliDone(commands.stop as string[]);
    }
    assert.deepEqual(processesMatching(host), []);
    assert.ok(!existsSync(files.pid));
  });
});

describe('a state file or PID file truncated, garbage, or a directory', () => {
  const daemonArgs = (files: { log: string; pid: string; svc: string }) => [
    ...['--host', '127.0.10.78', '--interval', '100ms', '--ping-dir', fixture('ping-up')],
    ...fileArgs(files),
  ];
  const paths = () => {
    const dir = tempDir();
    return { log: join(dir, 'p.log'), pid: join(dir, 'd.pid'), svc: join(dir, 's.log') };
  };
  /** One line on stderr, no stack trace. */
  const oneLine = (stderr: string) => {
    assert.ok(stderr === '' || /^ping-daemon: [^\n]+\n$/.test(stderr), stderr);
  };

  for (const [what, garbage] of [
    ['empty', ''],
    ['garbage', 'not a pid\x00\xff\n'],
    ['a PID of a process that is no daemon', `${process.pid}\n`],
  ] as const) {
    it(`a PID file that is ${what}: start takes it over, status and stop work`, async () => {
      const files = paths();
      writeFileSync(files.pid, garbage);
      const status = await cliDone(['status', '--pid-file', files.pid]);
      assert.ok([1, 3].includes(status.code as number), status.stdout + status.stderr);
      oneLine(status.stderr);
      const started = await cliDone(['start', ...daemonArgs(files)]);
      assert.equal(started.code, 0, started.stderr);
      const pid = Number(readFileSync(files.pid, 'utf8'));
      killAtEnd(pid);
      assert.equal((await cliDone(['status', '--pid-file', files.pid])).code, 0);
      assert.equal((await cliDone(['stop', '--pid-file', files.pid])).code, 0);
      assert.ok(!existsSync(files.pid));
    });
  }

  it('a PID file that is a directory: one clear line from start, status and stop', async () => {
    const files = paths();
    mkdirSync(files.pid);
    for (const args of [
      ['start', ...daemonArgs(files)],
      ['status', '--pid-file', files.pid],
      ['stop', '--pid-file', files.pid],
    ]) {
      const r = await cliDone(args);
      assert.notEqual(r.code, 0, r.stdout);
      oneLine(r.stderr);
      assert.match(r.stderr, /is a directory|not a regular file/, r.stderr);
    }
    assert.deepEqual(processesMatching('ping-daemon: 127.0.10.78'), []);
  });

  for (const [what, make] of [
    ['truncated', (p: string) => writeFileSync(p, '{"version":')],
    ['garbage', (p: string) => writeFileSync(p, '\xff\xfe garbage')],
    ['a directory', (p: string) => mkdirSync(p)],
  ] as const) {
    it(`a state file that is ${what}: the daemon starts and runs, status says what it can`, async () => {
      const files = paths();
      const state = files.pid.replace(/\.pid$/, '.state.json');
      make(state);
      const started = await cliDone(['start', ...daemonArgs(files)]);
      assert.equal(started.code, 0, started.stderr);
      const pid = Number(readFileSync(files.pid, 'utf8'));
      killAtEnd(pid);
      try {
        await waitFor('probes', () => readLines(files.log).length >= 6);
        const status = await cliDone(['status', '--pid-file', files.pid]);
        assert.ok([0, 4].includes(status.code as number), status.stdout + status.stderr);
        assert.match(status.stdout + status.stderr, new RegExp(`\\(pid ${pid}\\)|pid ${pid}`));
        oneLine(status.stderr);
        if (what !== 'a directory') {
          // Written over within a second or so: status has it all again.
          await statusUntil(files.pid, 'the state', (s) => s.pid === pid || s.stats !== undefined);
        }
        assert.equal(existsSync(`/proc/${pid}`), true, 'the daemon is running');
      } finally {
        assert.equal((await cliDone(['stop', '--pid-file', files.pid])).code, 0);
      }
    });
  }
});

describe('the daemon killed (SIGKILL, out of memory) and started again', () => {
  it('carries on its hosts’ states: a host that was down is not announced down again', async () => {
    const dir = tempDir();
    const pingDir = join(dir, 'ping');
    cpSync(fixture('ping-switch'), pingDir, { recursive: true });
    const told = join(dir, 'told');
    const hook = join(dir, 'hook');
    writeFileSync(hook, `#!/bin/sh\necho "$PING_DAEMON_STATE" >> '${told}'\n`, { mode: 0o755 });
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid'), svc: join(dir, 's.log') };
    const args = [
      'start',
      ...['--host', '127.0.10.79', '--interval', '100ms', '--ping-dir', pingDir],
      ...['--on-change', hook, ...fileArgs(files)],
    ];
    const started = await cliDone(args);
    assert.equal(started.code, 0, started.stderr);
    const first = Number(readFileSync(files.pid, 'utf8'));
    killAtEnd(first);
    writeFileSync(join(pingDir, 'mode'), 'down\n');
    await waitFor('the down call', () => readLines(told).length === 1, 10_000);
    const before = await statusUntil(
      files.pid,
      'down',
      (s) => s.health['127.0.10.79'].state === 'down',
    );
    process.kill(first, 'SIGKILL');
    await waitFor('the daemon gone', () => !existsSync(`/proc/${first}`));
    const killedAt = readLines(files.log).length;
    const again = await cliDone(args);
    assert.equal(again.code, 0, again.stderr);
    const second = Number(readFileSync(files.pid, 'utf8'));
    killAtEnd(second);
    try {
      await waitFor(
        'ten probes of the new daemon',
        () => readLines(files.log).length >= killedAt + 20,
      );
      assert.deepEqual(readLines(told), ['down'], 'told again');
      const after = await statusUntil(files.pid, 'its state', (s) => s.pid === second);
      assert.deepEqual(after.health['127.0.10.79'], before.health['127.0.10.79']);
      assert.match(
        readFileSync(files.svc, 'utf8'),
        /carried on the state of 1 host from the daemon before/,
      );
      writeFileSync(join(pingDir, 'mode'), 'up\n');
      await waitFor('the up call', () => readLines(told).length === 2, 10_000);
      assert.deepEqual(readLines(told), ['down', 'up']);
    } finally {
      assert.equal((await cliDone(['stop', '--pid-file', files.pid])).code, 0);
    }
    // Whole lines only; the one start without its end is the kill's, the last before it.
    const lines = readLines(files.log).map(parseText);
    const unpaired = lines.filter(
      (l, i) =>
        l.event === 'start' && !(lines[i + 1]?.event === 'end' && lines[i + 1]?.seq === l.seq),
    );
    assert.ok(unpaired.length <= 1, JSON.stringify(unpaired));
    if (unpaired[0]) assert.equal(lines.indexOf(unpaired[0]), killedAt - 1);
  });
});
