// Hostile input through the real CLI: refused with one line, nothing run, nothing written.
import assert from 'node:assert/strict';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  cli,
  cliDone,
  fileArgs,
  fixture,
  pairs,
  parseText,
  readLines,
  tempDir,
  waitFor,
} from '../helpers/cli.js';

/** A private copy of the recording stand-in, so parallel tests do not share its argv file. */
function recorder(): { dir: string; argv: () => string[] } {
  const dir = tempDir();
  copyFileSync(join(fixture('ping-record'), 'ping'), join(dir, 'ping'));
  chmodSync(join(dir, 'ping'), 0o755);
  const file = join(dir, 'argv');
  return {
    dir,
    argv: () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []),
  };
}

describe('hosts', () => {
  it('reach ping only after `--`', async () => {
    const rec = recorder();
    const dir = tempDir();
    for (const host of ['127.0.0.1', '::1', 'name.test']) {
      const run = cli([
        'run',
        '--host',
        host,
        '--interval',
        '100ms',
        '--ping-dir',
        rec.dir,
        ...fileArgs({ log: join(dir, `${host}.log`), pid: join(dir, 'd.pid') }),
      ]);
      await waitFor('a probe', () => rec.argv().includes(host));
      run.child.kill('SIGTERM');
      await run.exit;
      const args = rec.argv();
      const end = args.indexOf('--end--', args.indexOf(host));
      assert.deepEqual(args.slice(end - 2, end), ['--', host]);
    }
  });

  for (const host of [
    '-c1',
    '-oProxyCommand=sh',
    '--help',
    'a;reboot',
    '$(touch /tmp/pwned)',
    'ex\u0430mple.test',
    'fe80::1%eth0',
    '2130706433',
  ]) {
    it(`refuses ${JSON.stringify(host)} before running anything`, async () => {
      const rec = recorder();
      const dir = tempDir();
      const r = await cliDone([
        'run',
        `--host=${host}`,
        '--ping-dir',
        rec.dir,
        ...fileArgs({ log: join(dir, 'p.log'), pid: join(dir, 'd.pid') }),
      ]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^ping-daemon: --host [^\n]+\n$/);
      assert.deepEqual(rec.argv(), []);
      assert.ok(!existsSync(join(dir, 'p.log')));
    });
  }
});

describe('the environment', () => {
  it('a hostile PATH with a fake ping first is never used', async () => {
    const dir = tempDir();
    const evil = join(dir, 'evil');
    mkdirSync(evil);
    writeFileSync(join(evil, 'ping'), `#!/bin/sh\ntouch "${dir}/pwned"\n`, { mode: 0o755 });
    const log = join(dir, 'p.log');
    const run = cli(
      [
        'run',
        '--host',
        '127.0.0.1',
        '--interval',
        '100ms',
        ...fileArgs({ log, pid: join(dir, 'd.pid') }),
      ],
      {
        env: { PATH: `${evil}:${process.env.PATH}` },
      },
    );
    await waitFor('probes', () => readLines(log).length >= 4);
    run.child.kill('SIGTERM');
    await run.exit;
    assert.ok(!existsSync(join(dir, 'pwned')));
    for (const end of pairs(readLines(log).map(parseText))) assert.match(end.rest, /^ status=up /);
    assert.match(run.stderr(), /"ping":"\/(usr\/)?s?bin\/ping"/);
  });

  for (const [name, value] of [
    ['PING_DAEMON_COUNT', '1; rm -rf /'],
    ['PING_DAEMON_INTERVAL', '\u0007'],
    ['PING_DAEMON_FORMAT', '../../etc/passwd'],
    ['PING_DAEMON_UMASK', '-1'],
    ['PING_DAEMON_NONSENSE', 'x'],
  ]) {
    it(`refuses ${name}=${JSON.stringify(value)} with one line naming it`, async () => {
      const r = await cliDone(['run', '--host', '127.0.0.1'], { env: { [name as string]: value } });
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`^ping-daemon: [^\\n]*${name}[^\\n]*\\n$`));
    });
  }
});

describe('files in a world-writable directory', () => {
  function shared() {
    const dir = tempDir();
    const open = join(dir, 'tmp');
    mkdirSync(open);
    chmodSync(open, 0o1777);
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious\n');
    return { dir, open, victim };
  }

  it('a planted symlink as the ping log is refused, its target untouched', async () => {
    const s = shared();
    symlinkSync(s.victim, join(s.open, 'ping.log'));
    for (const command of ['run', 'start']) {
      const r = await cliDone([
        command,
        '--host',
        '127.0.0.1',
        ...fileArgs({
          log: join(s.open, 'ping.log'),
          pid: join(s.dir, 'd.pid'),
          svc: join(s.dir, 's.log'),
        }),
      ]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^ping-daemon: cannot write .*ping\.log: refusing to follow a symbolic link; choose another path with --log-file\n$/,
      );
    }
    assert.equal(readFileSync(s.victim, 'utf8'), 'precious\n');
  });

  it('a planted symlink as the service log is refused', async () => {
    const s = shared();
    symlinkSync(s.victim, join(s.open, 'service.log'));
    const r = await cliDone([
      'start',
      '--host',
      '127.0.0.1',
      ...fileArgs({
        log: join(s.dir, 'p.log'),
        pid: join(s.dir, 'd.pid'),
        svc: join(s.open, 'service.log'),
      }),
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /refusing to follow a symbolic link; choose another path with --service-log/,
    );
    assert.equal(readFileSync(s.victim, 'utf8'), 'precious\n');
  });

  it('a planted symlink as the PID file is replaced, never written through', async () => {
    const s = shared();
    const pid = join(s.open, 'd.pid');
    symlinkSync(s.victim, pid);
    const log = join(s.dir, 'p.log');
    const run = cli([
      'run',
      '--host',
      '127.0.0.1',
      '--interval',
      '100ms',
      ...fileArgs({ log, pid }),
    ]);
    await waitFor('the daemon', () => readLines(log).length >= 2);
    assert.equal(readFileSync(pid, 'utf8'), `${run.child.pid}\n`);
    run.child.kill('SIGTERM');
    await run.exit;
    assert.equal(readFileSync(s.victim, 'utf8'), 'precious\n');
  });

  it('a FIFO as the ping log is refused instead of blocking', async () => {
    const s = shared();
    const fifo = join(s.dir, 'fifo');
    const { spawnSync } = await import('node:child_process');
    spawnSync('mkfifo', [fifo]);
    const r = await cliDone([
      'start',
      '--host',
      '127.0.0.1',
      ...fileArgs({ log: fifo, pid: join(s.dir, 'd.pid'), svc: join(s.dir, 's.log') }),
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /cannot write .*fifo: not a regular file; choose another path with --log-file/,
    );
  });
});

describe('config files', () => {
  it('refuses a 10 MB config file without reading it', async () => {
    const dir = tempDir();
    const config = join(dir, 'huge.json');
    writeFileSync(config, `{"host": "${'a'.repeat(10 * 1024 * 1024)}"}`);
    const r = await cliDone(['run', '-c', config]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^ping-daemon: config file .*huge\.json is \d+ bytes; a config file may be at most 4194304\n$/,
    );
  });

  it('refuses a PID file full of garbage as stale, not trusted', async () => {
    const dir = tempDir();
    const pid = join(dir, 'd.pid');
    writeFileSync(pid, '1\nrm -rf /\n');
    const status = await cliDone(['status', '--pid-file', pid]);
    assert.deepEqual(
      [status.code, status.stdout],
      [1, `ping-daemon is not running, but its PID file ${pid} remains (no valid PID)\n`],
    );
    const stop = await cliDone(['stop', '--pid-file', pid]);
    assert.deepEqual(
      [stop.code, stop.stdout],
      [0, `ping-daemon is not running (removed the stale PID file ${pid})\n`],
    );
    assert.ok(!existsSync(pid));
  });

  it('a PID file that cannot be read is a clear error, status unknown', async () => {
    const pid = tempDir(); // a directory: reading it fails, even as root
    for (const command of ['status', 'stop', 'reload']) {
      const r = await cliDone([command, '--pid-file', pid]);
      assert.deepEqual(
        [r.code, r.stderr],
        [
          4,
          `ping-daemon: cannot tell whether ping-daemon runs: cannot read ${pid}: is a directory\n`,
        ],
      );
    }
    const start = await cliDone([
      'start',
      '--host',
      '127.0.0.1',
      '--pid-file',
      pid,
      '--log-file',
      join(pid, 'p.log'),
    ]);
    assert.equal(start.code, 1);
    assert.match(
      start.stderr,
      /^ping-daemon: cannot write .*: is a directory; choose another path with --pid-file\n$/,
    );
  });
});
