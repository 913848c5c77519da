// The hostile pass of issue 11, finding by finding (numbered as there): what a hostile local
// user or a careless admin did to the daemon, and what it must do instead. Each test failed
// before its fix.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAlive } from '../../src/lifecycle/proc.js';
import {
  CLI,
  cli,
  cliDone,
  fileArgs,
  fixture,
  isRoot,
  openFiles,
  pairs,
  parseText,
  processesMatching,
  readLines,
  tempDir,
  waitFor,
} from '../helpers/cli.js';
import { startGaps } from '../helpers/faults.js';

const NOBODY = 65534;
const needsRoot = !isRoot && 'needs root (CI runs it)';

/** A directory anyone may enter: the daemon's --user must reach files below it. */
function openDir(): string {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  return dir;
}

/** The service log's JSON lines (run's stderr, or a file). */
function events(text: string): { level: number; msg: string; [key: string]: unknown }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

/** Whether anything listens on TCP `port` on this machine (the inspector's 9229). */
function listening(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return ['/proc/net/tcp', '/proc/net/tcp6'].some((file) =>
    readFileSync(file, 'latin1')
      .split('\n')
      .some((row) => {
        const cols = row.trim().split(/\s+/);
        return cols[1]?.endsWith(hex) && cols[3] === '0A';
      }),
  );
}

/**
 * The daemon's TCP and UDP sockets (an inspector would be one). Its pings' stdio are Unix socket
 * pairs (libuv's pipes) and come and go with every probe: those are not counted.
 */
function networkSocketsOf(pid: number): string[] {
  const inodes = new Set(
    ['tcp', 'tcp6', 'udp', 'udp6'].flatMap((table) =>
      readFileSync(`/proc/net/${table}`, 'latin1')
        .split('\n')
        .slice(1)
        .map((row) => row.trim().split(/\s+/)[9]),
    ),
  );
  return Object.entries(openFiles(pid)).flatMap(([fd, file]) => {
    const inode = /^socket:\[(\d+)\]$/.exec(file)?.[1];
    return inode !== undefined && inodes.has(inode) ? [`fd ${fd}`] : [];
  });
}

/** What a test that waited in vain for the service log shows: both files and the descriptors. */
function serviceLogDiagnosis(pid: number, svc: string): string {
  const tail = (path: string): string =>
    existsSync(path) ? JSON.stringify(readFileSync(path, 'utf8').slice(-400)) : 'missing';
  const open = Object.entries(openFiles(pid));
  const fds =
    open.length === 0 ? 'the daemon is gone' : open.map(([fd, f]) => `${fd}->${f}`).join(' ');
  return `${svc}: ${tail(svc)}; ${svc}.1: ${tail(`${svc}.1`)}; descriptors: ${fds}`;
}

type Files = { log: string; pid: string; svc?: string };
const LOCAL = ['--host', '127.0.0.1', '--interval', '100ms'];

/** `start`s a daemon pinging 127.0.0.1 every 100 ms (plus `extra`); returns its PID. */
async function startDaemon(p: Files, extra: string[] = []): Promise<number> {
  const started = await cliDone(['start', ...LOCAL, ...extra, ...fileArgs(p)]);
  if (started.code !== 0) {
    // What the daemon said, and whether one runs after all (a start that "died" twice on Node
    // 24/26 in CI, never here): the next time says more than the launcher's line.
    const pid = existsSync(p.pid) ? readFileSync(p.pid, 'utf8').trim() : 'no PID file';
    const svc = p.svc && existsSync(p.svc) ? readFileSync(p.svc, 'utf8').slice(-1500) : 'none';
    const alive = /^\d+$/.test(pid) && isAlive(Number(pid));
    if (alive) process.kill(Number(pid), 'SIGKILL'); // what the test would have stopped
    assert.fail(
      `${started.stderr.trim()}; PID file: ${pid}${alive ? ' (running)' : ''}; service log: ${svc}`,
    );
  }
  return Number(readFileSync(p.pid, 'utf8'));
}

/** `run`s a daemon pinging 127.0.0.1 every 100 ms (plus `extra`) in the foreground. */
const runDaemon = (p: Files, extra: string[] = [], options: Parameters<typeof cli>[1] = {}) =>
  cli(['run', ...LOCAL, ...extra, ...fileArgs(p)], options);

describe('1. signals: no inspector, every signal has a meaning', () => {
  it('SIGUSR1 reopens the logs and opens no inspector port', async (t) => {
    const dir = openDir();
    const p = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid'), svc: join(dir, 's.log') };
    const pid = await startDaemon(p);
    try {
      await waitFor('probes', () => readLines(p.log).length >= 2);
      renameSync(p.svc, `${p.svc}.1`);
      process.kill(pid, 'SIGUSR1');
      await waitFor(
        'the reopen',
        () => existsSync(p.svc) && readFileSync(p.svc, 'utf8').includes('reopened the logs'),
        15_000,
        () => serviceLogDiagnosis(pid, p.svc),
      );
      assert.equal(listening(9229), false, 'port 9229 listens');
      assert.deepEqual(networkSocketsOf(pid), [], 'the daemon holds a network socket');
      process.kill(pid, 'SIGUSR2');
      await waitFor(
        'the second reopen',
        () =>
          events(readFileSync(p.svc, 'utf8')).filter((e) => e.msg === 'reopened the logs').length >=
          2,
      );
      assert.ok(isAlive(pid));
    } finally {
      await cliDone(['stop', '--pid-file', p.pid]);
    }
    pairs(readLines(p.log).map(parseText));
    // A descriptor closed behind the logs' back is repaired, and said (log-file.ts): not this
    // test's failure, but worth seeing in CI's output.
    const said = [p.svc, `${p.svc}.1`].flatMap((f) => events(readFileSync(f, 'utf8')));
    for (const e of said.filter((e) => e.level >= 50)) t.diagnostic(`service log: ${e.msg}`);
  });

  for (const signal of [
    'SIGQUIT',
    'SIGALRM',
    'SIGVTALRM',
    'SIGPROF',
    'SIGXCPU',
    'SIGXFSZ',
    'SIGIO',
    'SIGPWR',
  ] as const) {
    it(`${signal} stops the daemon the SIGTERM way`, async () => {
      const dir = tempDir();
      const p = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
      const run = runDaemon(p);
      await waitFor('probes', () => readLines(p.log).length >= 2);
      run.child.kill(signal);
      const { code } = await run.exit;
      assert.equal(code, 0, run.stderr());
      assert.ok(events(run.stderr()).some((e) => e.msg === 'stopped' && e.signal === signal));
      assert.equal(existsSync(p.pid), false);
      pairs(readLines(p.log).map(parseText));
    });
  }

  it('SIGTSTP does not stop the schedule', async () => {
    const dir = tempDir();
    const p = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const run = runDaemon(p);
    await waitFor('probes', () => readLines(p.log).length >= 2);
    run.child.kill('SIGTSTP');
    const now = readLines(p.log).length;
    await waitFor('more probes', () => readLines(p.log).length >= now + 4);
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
  });

  it('refuses to run with an inspector opened through NODE_OPTIONS', async () => {
    const dir = tempDir();
    const r = await cliDone(
      [
        'run',
        '--host',
        '127.0.0.1',
        ...fileArgs({ log: join(dir, 'p.log'), pid: join(dir, 'd.pid') }),
      ],
      {
        env: { NODE_OPTIONS: '--inspect=127.0.0.1:0' },
      },
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ping-daemon: Node's inspector is open .*; unset it\n$/m);
    assert.equal(existsSync(join(dir, 'p.log')), false);
  });
});

describe('2. a log that cannot be reopened', () => {
  it('--user: reload after a rotation that created a root-owned log warns, keeps writing, exits 1', {
    skip: needsRoot,
  }, async () => {
    const dir = openDir();
    const run = join(dir, 'run');
    mkdirSync(run);
    chownSync(run, NOBODY, NOBODY);
    const p = { log: join(dir, 'ping.log'), pid: join(run, 'd.pid'), svc: join(dir, 's.log') };
    const pid = await startDaemon(p, ['--user', 'nobody']);
    try {
      await waitFor('probes', () => readLines(p.log).length >= 2);
      // The old shipped policy: `create 0644 root root` in a directory only root may write.
      renameSync(p.log, `${p.log}.1`);
      writeFileSync(p.log, '', { mode: 0o644 });
      const r = await cliDone(['reload', '--pid-file', p.pid]);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `ping-daemon: reloaded the settings (pid ${pid}), but cannot reopen ${p.log}: permission denied; still writing to the file opened before\n`,
      );
      const before = readLines(`${p.log}.1`).length;
      await waitFor(
        'lines in the rotated file',
        () => readLines(`${p.log}.1`).length >= before + 4,
      );
      assert.ok(isAlive(pid));
      assert.doesNotMatch(readFileSync(p.svc, 'utf8'), /crashed/);
    } finally {
      await cliDone(['stop', '--pid-file', p.pid]);
    }
    pairs(readLines(`${p.log}.1`).map(parseText));
  });

  it('the service log directory removed, then reload: the daemon lives and reload says why', async () => {
    const dir = tempDir();
    const svcDir = join(dir, 'svc');
    mkdirSync(svcDir);
    const p = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid'), svc: join(svcDir, 's.log') };
    const pid = await startDaemon(p);
    try {
      rmSync(svcDir, { recursive: true });
      const r = await cliDone(['reload', '--pid-file', p.pid]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`cannot reopen ${p.svc}: no such file or directory`));
      const now = readLines(p.log).length;
      await waitFor('more probes', () => readLines(p.log).length >= now + 4);
      assert.ok(isAlive(pid));
    } finally {
      await cliDone(['stop', '--pid-file', p.pid]);
    }
  });
});

describe('3. running out of descriptors', () => {
  it('60 probes at once under a limit of 40 descriptors: the launcher holds none per probe', async () => {
    // Spawned by the daemon, each ping took two pipes of its descriptors, and under this limit
    // a third of the ticks were `too many open files`. Forked by the launcher, a probe costs the
    // daemon no descriptor while it runs and one for an instant after (its output file).
    const dir = tempDir();
    const hosts = Array.from({ length: 60 }, (_, i) => `127.0.0.${i + 1}`);
    const p = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const run = cli(
      [
        'run',
        '--host',
        hosts.join(','),
        '--interval',
        '1s',
        '--timeout',
        '800ms',
        '--ping-dir',
        fixture('ping-slow'),
        ...fileArgs(p),
      ],
      { prefix: ['prlimit', '--nofile=40:40'] },
    );
    const seen = (): string =>
      `stderr: ${run.stderr().slice(-2000)}; log: ${readLines(p.log).slice(-6).join(' | ')}`;
    const ends = (): string[] => readLines(p.log).filter((l) => l.startsWith('end'));
    await waitFor('two ticks of every host', () => ends().length >= 2 * hosts.length, 30_000, seen);
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0, run.stderr());
    assert.doesNotMatch(run.stderr(), /crashed|TypeError/);
    // Every probe worked, none ran out of descriptors. A stand-in that sleeps 0.5 s of its 0.8 s
    // may still miss it when 60 start at once on busy cores: a timeout is the daemon's honest
    // answer to that, not a descriptor lost.
    assert.deepEqual(
      ends().filter((l) => !/status=(up |error error="timeout"$)/.test(l)),
      [],
      'every probe answered or timed out, none ran out of descriptors',
    );
    assert.ok(ends().some((l) => l.includes('status=up')));
    // Every start line has its end line.
    const lines = readLines(p.log).map(parseText);
    for (const host of hosts) pairs(lines.filter((l) => l.host === host));
  });

  it('thousands of idle connections to /metrics cannot take the descriptors the probes need', async () => {
    const dir = tempDir();
    const port = 20_000 + (process.pid % 20_000);
    const p = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const run = runDaemon(p, ['--metrics-listen', `127.0.0.1:${port}`], {
      prefix: ['prlimit', '--nofile=256:256'],
    });
    const sockets: Socket[] = [];
    try {
      await waitFor('probes', () => readLines(p.log).length >= 2);
      for (let i = 0; i < 400; i++) {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => {});
        sockets.push(s);
      }
      await new Promise((r) => setTimeout(r, 100));
      const now = readLines(p.log).length;
      await waitFor('probes go on', () => readLines(p.log).length >= now + 10, 10_000);
      // No probe failed for want of a descriptor. (A probe that a loaded machine let run past its
      // 100 ms timeout is not what this test is about.)
      assert.doesNotMatch(
        readLines(p.log).slice(now).join('\n'),
        /status=error error="(?!timeout")/,
      );
    } finally {
      for (const s of sockets) s.destroy();
    }
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0, run.stderr());
  });
});

describe('4. --user: files planted by the daemon user', { skip: needsRoot }, () => {
  /** A log directory the daemon user owns, a root-only file, a PID directory. */
  function setup() {
    const dir = openDir();
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    chownSync(logs, NOBODY, NOBODY);
    const secret = join(tempDir(), 'root-only');
    writeFileSync(secret, 'precious\n', { mode: 0o600 });
    const run = join(dir, 'run');
    mkdirSync(run);
    chownSync(run, NOBODY, NOBODY);
    return { dir, logs, secret, pid: join(run, 'd.pid') };
  }
  const start = (s: ReturnType<typeof setup>, log: string, svc: string) =>
    cliDone([
      'start',
      '--host',
      '127.0.0.1',
      '--user',
      'nobody',
      ...fileArgs({ log, pid: s.pid, svc }),
    ]);

  it('a symbolic link to a root-only file is not followed', async () => {
    const s = setup();
    const log = join(s.logs, 'ping.log');
    symlinkSync(s.secret, log);
    const r = await start(s, log, join(s.logs, 'svc.log'));
    assert.deepEqual(
      [r.code, r.stderr],
      [
        1,
        `ping-daemon: cannot write ${log}: refusing to follow a symbolic link; choose another path with --log-file\n`,
      ],
    );
    assert.equal(readFileSync(s.secret, 'utf8'), 'precious\n');
  });

  it('a dangling link does not make root create its target', async () => {
    const s = setup();
    const target = join(s.dir, 'new-file');
    const svc = join(s.logs, 'svc.log');
    symlinkSync(target, svc);
    const r = await start(s, join(s.logs, 'ping.log'), svc);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /refusing to follow a symbolic link; choose another path with --service-log\n$/,
    );
    assert.equal(existsSync(target), false);
  });

  it('a hard link to a root-owned file, or a file of another user, is not written', async () => {
    const s = setup();
    const log = join(s.logs, 'ping.log');
    linkSync(s.secret, log);
    const r = await start(s, log, join(s.logs, 'svc.log'));
    assert.deepEqual(
      [r.code, r.stderr],
      [
        1,
        `ping-daemon: cannot write ${log}: has more than one hard link; choose another path with --log-file\n`,
      ],
    );
    rmSync(log);
    writeFileSync(log, '');
    chownSync(log, 12345, 12345);
    const r2 = await start(s, log, join(s.logs, 'svc.log'));
    assert.deepEqual(
      [r2.code, r2.stderr],
      [
        1,
        `ping-daemon: cannot write ${log}: belongs to another user; choose another path with --log-file\n`,
      ],
    );
    assert.equal(readFileSync(s.secret, 'utf8'), 'precious\n');
  });
});

describe('5. absurd durations', () => {
  it('--interval past a day is refused with one line', async () => {
    const r = await cliDone(['run', '--host', '127.0.0.1', '--interval', '597h']);
    assert.deepEqual(
      [r.code, r.stderr],
      [2, 'ping-daemon: --interval must be at most 24h, got `597h`\n'],
    );
  });

  it('"interval": 1e308 in a config file is refused with one line', async () => {
    const dir = tempDir();
    const config = join(dir, 'c.json');
    writeFileSync(config, '{"host": "127.0.0.1", "interval": 1e308}');
    const r = await cliDone(['run', '-c', config]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `ping-daemon: config file ${config}: interval must be a positive duration like \`3s\` or \`500ms\`, got \`1e+308\`\n`,
    );
    writeFileSync(config, '{"host": "127.0.0.1", "hosts": [{"host": "::1", "interval": "30d"}]}');
    const r2 = await cliDone(['run', '-c', config]);
    assert.equal(r2.code, 1);
  });
});

/** Runs `command` in a shell and returns what reached the far end of a slow pipe. */
function throughSlowPipe(command: string): string {
  return execFileSync('bash', ['-c', `${command} | (sleep 1; cat)`], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

describe('6. output through a slow pipe arrives whole', () => {
  it('logs -n 2000', () => {
    const dir = tempDir();
    const log = join(dir, 'p.log');
    const line = (i: number) =>
      `start time---------:2026-11-24T20:00:00.000+08:00 host=127.0.0.1 seq=${i}\n`;
    writeFileSync(log, Array.from({ length: 3000 }, (_, i) => line(i + 1)).join(''));
    const out = throughSlowPipe(`"${process.execPath}" "${CLI}" logs -n 2000 --log-file "${log}"`);
    const lines = out.split('\n').filter(Boolean);
    assert.equal(lines.length, 2000);
    assert.equal(lines.at(-1), line(3000).trimEnd());
  });

  it('status --json with 500 hosts', async () => {
    const dir = tempDir();
    const config = join(dir, 'c.json');
    const hosts = Array.from(
      { length: 500 },
      (_, i) => `127.0.${Math.floor(i / 250) + 1}.${(i % 250) + 1}`,
    );
    writeFileSync(config, JSON.stringify({ hosts, interval: '1h' }));
    const p = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const run = cli(['run', '-c', config, ...fileArgs(p)]);
    try {
      await waitFor('the state file', () => existsSync(join(dir, 'd.state.json')), 10_000);
      const out = throughSlowPipe(
        `"${process.execPath}" "${CLI}" status --json --pid-file "${p.pid}"`,
      );
      assert.ok(out.length > 64 * 1024, `${out.length} bytes`);
      const state = JSON.parse(out);
      assert.equal(state.targets.length, 500);
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });
});

describe('7. logs on big files', () => {
  const text = (i: number, host: string) =>
    `end of time--------:2026-11-24T20:00:00.000+08:00 host=${host} seq=${i} status=up rtt_ms=${((i % 100) / 10 + 1).toFixed(1)} loss=0%\n`;

  it('-n counts the lines that match --host, however far back they are', async () => {
    const dir = tempDir();
    const log = join(dir, 'p.log');
    const lines = [
      ...Array.from({ length: 50 }, (_, i) => text(i + 1, 'rare.test')),
      ...Array.from({ length: 5000 }, (_, i) => text(i + 1, 'busy.test')),
    ];
    writeFileSync(log, lines.join(''));
    const r = await cliDone(['logs', '--host', 'rare.test', '-n', '30', '--log-file', log]);
    assert.equal(r.code, 0, r.stderr);
    const shown = r.stdout.split('\n').filter(Boolean);
    assert.equal(shown.length, 30);
    assert.match(shown[0] as string, /seq=21 /);
    assert.match(shown.at(-1) as string, /seq=50 /);
  });

  it('--since stops reading at the first older line', async () => {
    const dir = tempDir();
    const log = join(dir, 'p.log');
    const now = new Date();
    const at = (ms: number) => new Date(now.getTime() - ms).toISOString().replace('Z', '+00:00');
    const lines = [
      ...Array.from(
        { length: 100 },
        (_, i) => `start time---------:${at(7_200_000)} host=old.test seq=${i + 1}\n`,
      ),
      ...Array.from(
        { length: 40 },
        (_, i) => `start time---------:${at(60_000)} host=new.test seq=${i + 1}\n`,
      ),
    ];
    writeFileSync(log, lines.join(''));
    const r = await cliDone(['logs', '--since', '1h', '-n', '1000', '--log-file', log]);
    assert.equal(r.stdout.split('\n').filter(Boolean).length, 40);
  });

  it('--summary streams a big file; a file without a newline shows nothing, quickly', async () => {
    const dir = tempDir();
    const log = join(dir, 'p.log');
    const block = Array.from({ length: 1000 }, (_, i) => text(i + 1, 'a.test')).join('');
    for (let i = 0; i < 100; i++) appendFileSync(log, block);
    const r = await cliDone(['logs', '--summary', '--log-file', log]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^a\.test: 100000 probes, 100000 up, 0 down, 0 error, availability 100%, loss 0%, rtt min\/avg\/p50\/p95\/max = 1\/5\.95\/5\.9\/10\.4\/10\.9 ms, stddev [\d.]+ ms, jitter [\d.]+ ms, no outage, over .*\n$/,
    );
    const flat = join(dir, 'flat.log');
    execFileSync('truncate', ['-s', '512M', flat]);
    const r2 = await cliDone(['logs', '--log-file', flat]);
    assert.deepEqual([r2.code, r2.stdout, r2.stderr], [0, '', '']);
  });
});

describe('8. /metrics cannot starve the schedule', () => {
  it('8 clients pipelining GETs: ticks stay on time', async () => {
    const dir = tempDir();
    const port = 20_000 + ((process.pid + 7) % 20_000);
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
    const sockets: Socket[] = [];
    try {
      await waitFor('probes', () => readLines(p.log).length >= 2);
      const request = `GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(3000);
      const from = readLines(p.log).length;
      for (let i = 0; i < 8; i++) {
        const s = connect(port, '127.0.0.1', () => s.write(request));
        s.on('data', () => {});
        s.on('error', () => {});
        sockets.push(s);
      }
      await waitFor('ten more probes', () => readLines(p.log).length >= from + 20, 20_000);
      const gaps = startGaps(p.log, from);
      // 200 ms apart; the flood took 2.8 s gaps before. A loaded CI core (a debootstrap may run beside) gets some slack.
      assert.ok(Math.max(...gaps) < 1500, `gaps ${gaps.join(',')}`);
    } finally {
      for (const s of sockets) s.destroy();
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });
});

describe('9. a probe whose child escapes the group', () => {
  after(() => {
    for (const pid of processesMatching('sleep 29.5')) process.kill(pid, 'SIGKILL');
  });

  it('ends at its deadline whatever holds the pipes, and stop works', async () => {
    const dir = tempDir();
    const p = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const run = cli([
      'run',
      '--host',
      '127.0.0.1',
      '--interval',
      '1s',
      '--timeout',
      '800ms',
      '--ping-dir',
      fixture('ping-escape'),
      ...fileArgs(p),
    ]);
    await waitFor(
      'two probes',
      () => readLines(p.log).filter((l) => l.startsWith('end')).length >= 2,
      10_000,
    );
    const ends = readLines(p.log)
      .map(parseText)
      .filter((l) => l.event === 'end');
    assert.ok(
      ends.every((e) => e.rest.startsWith(' status=up')),
      ends.map((e) => e.rest).join('\n'),
    );
    const t0 = Date.now();
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
    assert.ok(Date.now() - t0 < 5000);
    pairs(readLines(p.log).map(parseText));
  });
});

describe('10. --user and a PID file in a root-only directory', { skip: needsRoot }, () => {
  it('is refused at start with one line', async () => {
    const dir = openDir();
    const p = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const r = await cliDone(['start', '--host', '127.0.0.1', '--user', 'nobody', ...fileArgs(p)]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^ping-daemon: --user nobody cannot write .*, where the PID file and the state file go; choose a --pid-file in a directory nobody can write/,
    );
    assert.equal(existsSync(p.pid), false);
  });
});

describe('11. the service log does not flood', () => {
  it('ticks skipped on many hosts are summed up, not logged one by one', async () => {
    const dir = tempDir();
    const hosts = Array.from({ length: 40 }, (_, i) => `127.0.0.${i + 1}`);
    const p = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const run = cli([
      'run',
      '--host',
      hosts.join(','),
      '--interval',
      '100ms',
      '--max-inflight',
      '1',
      '--ping-dir',
      fixture('ping-slow'),
      '--timeout',
      '80ms',
      ...fileArgs(p),
    ]);
    await waitFor(
      'skipped ticks',
      () => (run.stderr().match(/tick skipped/g) ?? []).length >= 10,
      10_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    run.child.kill('SIGTERM');
    await run.exit;
    const logged = events(run.stderr());
    const skipped = logged.filter(
      (e) => e.msg.startsWith('tick skipped:') && e.event === undefined,
    );
    assert.equal(skipped.length, 10, 'ten a minute, then counted');
    const summary = logged.find((e) => e.event === 'tick skipped');
    assert.ok(summary && (summary.notLogged as number) > 0, JSON.stringify(summary));
    assert.ok(logged.length < 60, `${logged.length} service log lines`);
  });
});

describe('12. a FIFO at the PID file path', () => {
  it('start, status and stop answer at once', async () => {
    const dir = tempDir();
    const pid = join(dir, 'd.pid');
    execFileSync('mkfifo', [pid]);
    const start = await cliDone([
      'start',
      '--host',
      '127.0.0.1',
      ...fileArgs({ log: join(dir, 'p.log'), pid }),
    ]);
    assert.deepEqual(
      [start.code, start.stderr],
      [
        1,
        `ping-daemon: cannot write ${pid}: not a regular file; choose another path with --pid-file\n`,
      ],
    );
    for (const command of ['status', 'stop', 'reload']) {
      const r = await cliDone([command, '--pid-file', pid]);
      assert.deepEqual(
        [r.code, r.stderr],
        [
          4,
          `ping-daemon: cannot tell whether ping-daemon runs: cannot read ${pid}: not a regular file\n`,
        ],
        command,
      );
    }
  });
});

describe('13. stop signals only the daemon that holds the PID file', () => {
  it('a PID file naming another instance is stale', async () => {
    const dir = tempDir();
    const p = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const run = runDaemon(p);
    try {
      await waitFor('the daemon', () => readLines(p.log).length >= 2);
      const other = join(dir, 'other.pid');
      writeFileSync(other, `${run.child.pid}\n`);
      const r = await cliDone(['stop', '--pid-file', other]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /not running \(removed the stale PID file/);
      const status = await cliDone(['status', '--pid-file', other]);
      assert.equal(status.code, 3);
      assert.ok(isAlive(run.child.pid as number));
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });
});

describe('15. a slow resolver', () => {
  it('says `timeout (name resolution)` when ping printed nothing for a name', async () => {
    const dir = tempDir();
    for (const [host, error] of [
      ['slow-dns.test', 'timeout (name resolution)'],
      ['127.0.0.1', 'timeout'],
    ]) {
      const p = { log: join(dir, `${host}.log`), pid: join(dir, 'd.pid') };
      const run = cli([
        'run',
        '--host',
        host as string,
        '--interval',
        '500ms',
        '--timeout',
        '200ms',
        '--ping-dir',
        fixture('ping-hang'),
        ...fileArgs(p),
      ]);
      await waitFor('an end line', () => readLines(p.log).some((l) => l.startsWith('end')), 10_000);
      run.child.kill('SIGTERM');
      await run.exit;
      const end = readLines(p.log).find((l) => l.startsWith('end')) as string;
      assert.match(
        end,
        new RegExp(`status=error error="${(error as string).replace(/[()]/g, '\\$&')}"$`),
      );
    }
  });
});

describe('16. one host, one name', () => {
  it('localhost, LOCALHOST and localhost. are the same host', async () => {
    const r = await cliDone(['run', '--host', 'localhost', '--host', 'LOCALHOST.']);
    assert.deepEqual(
      [r.code, r.stderr],
      [2, 'ping-daemon: host localhost is listed twice (as localhost and LOCALHOST.)\n'],
    );
    const dir = tempDir();
    const p = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const run = cli(['run', '--host', 'LocalHost.', '--interval', '100ms', ...fileArgs(p)]);
    await waitFor('a probe', () => readLines(p.log).length >= 2);
    run.child.kill('SIGTERM');
    await run.exit;
    assert.equal(parseText(readLines(p.log)[0] as string).host, 'localhost');
    const shown = await cliDone(['logs', '--host', 'LOCALHOST', '--log-file', p.log]);
    assert.ok(shown.stdout.split('\n').filter(Boolean).length >= 2);
  });
});

describe('17. logs and planted links', { skip: needsRoot }, () => {
  it('root following a log refuses a link in a directory others can write', async () => {
    const shared = tempDir();
    chmodSync(shared, 0o1777);
    const secret = join(tempDir(), 'root-only');
    writeFileSync(secret, 'root:secret\n', { mode: 0o600 });
    const log = join(shared, 'ping.log');
    symlinkSync(secret, log);
    for (const args of [['logs'], ['logs', '-f']]) {
      const r = await cliDone([...args, '--log-file', log]);
      assert.deepEqual([r.code, r.stdout], [1, '']);
      assert.equal(
        r.stderr,
        `ping-daemon: cannot read ${log}: refusing to follow a symbolic link; name the log with --log-file\n`,
      );
    }
  });
});

// 14 (SIGSTOP during a probe) is held by test/unit/probe.test.ts: the event loop stalls while
// ping answers and exits, and the deadline timer runs first, as after a SIGCONT.
