// What a new user meets first (issue 26's frictions): bare `ping-daemon`, per-command help, "did
// you mean", notify-test without a host and with the running daemon's channels, one PID file per
// user whatever the environment, root's daemon seen from another user, install-service from a
// clone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cliDone, fileArgs, fixture, isRoot, killAtEnd, tempDir } from '../helpers/cli.js';

/** A hook that appends its PING_DAEMON_HOST and PING_DAEMON_EVENT to `<dir>/got`. */
function hook(dir: string): { path: string; got: () => string[] } {
  const path = join(dir, 'hook');
  const got = join(dir, 'got');
  writeFileSync(path, `#!/bin/sh\necho "$PING_DAEMON_EVENT $PING_DAEMON_HOST" >> '${got}'\n`, {
    mode: 0o755,
  });
  return {
    path,
    got: () => (existsSync(got) ? readFileSync(got, 'utf8').trim().split('\n') : []),
  };
}

describe('the command line', () => {
  it('bare ping-daemon prints its usage and exits 0', async () => {
    const r = await cliDone([]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ping-daemon \[start\] --host HOST \[options\]$/m);
    assert.match(r.stdout, /^Commands:$/m);
    assert.equal(r.stderr, '');
  });

  it("a command's help lists that command's options only", async () => {
    const r = await cliDone(['notify-test', '--help']);
    assert.equal(r.code, 0);
    for (const own of ['--host', '--on-change', '--webhook', '--alertmanager', '--pid-file'])
      assert.match(r.stdout, new RegExp(`^ +(-\\w, )?${own} `, 'm'), own);
    for (const other of ['--interval', '--log-file', '--prober', '--format'])
      assert.doesNotMatch(r.stdout, new RegExp(`${other}\\b`), other);
  });

  it('says which config key or option was meant', async () => {
    const dir = tempDir();
    const config = join(dir, 'c.json');
    writeFileSync(config, '{"host": "127.0.0.1", "intreval": "1s"}');
    const r = await cliDone(['start', '-c', config, '--pid-file', join(dir, 'p')]);
    assert.deepEqual(
      [r.code, r.stderr],
      [
        1,
        `ping-daemon: config file ${config}: unknown key \`intreval\` (did you mean \`interval\`?)\n`,
      ],
    );
    const o = await cliDone(['--host', '127.0.0.1', '--log-fle', '/tmp/x']);
    assert.match(o.stderr, /Unknown argument: log-fle \(did you mean --log-file\?\)/);
  });
});

describe('notify-test', () => {
  it('needs no host: the event is in the name of this machine', async () => {
    const dir = tempDir();
    const h = hook(dir);
    const r = await cliDone(['notify-test', '--on-change', h.path, '--pid-file', join(dir, 'p')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `exec ${h.path}: ok (exited with status 0)\n`);
    assert.deepEqual(h.got(), [`test ${hostname()}`]);
  });

  it("uses the running daemon's channels, each once", async () => {
    const dir = tempDir();
    const h = hook(dir);
    const config = join(dir, 'config.json');
    // Two hosts, one program: tested once, in the first host's name.
    writeFileSync(
      config,
      JSON.stringify({ hosts: ['127.0.0.1', '127.0.0.2'], interval: '1s', onChange: h.path }),
    );
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid'), svc: join(dir, 's.log') };
    const start = await cliDone(['start', '-c', config, ...fileArgs(files)]);
    assert.equal(start.code, 0, start.stderr);
    const pid = Number(/pid (\d+)/.exec(start.stdout)?.[1]);
    killAtEnd(pid);
    try {
      // From elsewhere, with nothing but the PID file: the channels come from the daemon.
      const r = await cliDone(['notify-test', '--pid-file', files.pid], { cwd: '/' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        `the channels of the running daemon (pid ${pid}):\nexec ${h.path}: ok (exited with status 0)\n`,
      );
      assert.deepEqual(h.got(), ['test 127.0.0.1']);
      const one = await cliDone(['notify-test', '--pid-file', files.pid, '--host', '127.0.0.2']);
      assert.equal(one.code, 0, one.stderr);
      assert.deepEqual(h.got(), ['test 127.0.0.1', 'test 127.0.0.2']);
      const other = await cliDone(['notify-test', '--pid-file', files.pid, '--host', '127.0.0.9']);
      assert.deepEqual(
        [other.code, other.stderr],
        [
          1,
          "ping-daemon: 127.0.0.9 is not one of the running daemon's hosts; name the channels here to test them for it\n",
        ],
      );
    } finally {
      await cliDone(['stop', '--pid-file', files.pid]);
    }
  });
});

const asNobody = { uid: 65534, gid: 65534, cwd: '/' };

describe('notify-test as root', { skip: !isRoot && 'needs root to act as nobody' }, () => {
  it("runs the hooks of another user's daemon as that user, not as root", async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const out = join(dir, 'out');
    execFileSync('install', ['-d', '-o', 'nobody', out]);
    const hookPath = join(dir, 'whoami');
    writeFileSync(hookPath, `#!/bin/sh\nid -u >> '${out}/uid'\n`, { mode: 0o755 });
    const files = { log: join(out, 'p.log'), pid: join(out, 'd.pid'), svc: join(out, 's.log') };
    const args = ['--host', '127.0.0.1', '--interval', '1s', '--on-change', hookPath];
    const start = await cliDone(
      ['start', ...args, '--ping-dir', fixture('ping-up'), ...fileArgs(files)],
      asNobody,
    );
    assert.equal(start.code, 0, start.stderr);
    killAtEnd(Number(/pid (\d+)/.exec(start.stdout)?.[1]));
    try {
      const r = await cliDone(['notify-test', '--pid-file', files.pid]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(join(out, 'uid'), 'utf8'), '65534\n');
    } finally {
      await cliDone(['stop', '--pid-file', files.pid], asNobody);
    }
  });
});

describe('PID files', { skip: !isRoot && 'needs root to act as nobody' }, () => {
  it("a user's PID file is the same whatever XDG_RUNTIME_DIR and HOME say", async () => {
    const paths = new Set<string>();
    for (const env of [
      { XDG_RUNTIME_DIR: '/run/user/65534', HOME: '/tmp' },
      { XDG_RUNTIME_DIR: '/tmp', HOME: '/' },
      {},
    ]) {
      const r = await cliDone(['status'], { ...asNobody, env });
      assert.equal(r.code, 3, r.stderr);
      paths.add(/no PID file (\S+)\)/.exec(r.stdout)?.[1] ?? r.stdout);
    }
    assert.deepEqual([...paths], ['/nonexistent/.local/state/ping-daemon/ping-daemon.pid']);
  });

  it("a user's stop of root's daemon says whose it is (exit 4), status points to it", {
    skip: existsSync('/run/ping-daemon/ping-daemon.pid') && "root's own daemon runs here",
  }, async () => {
    const dir = tempDir();
    const files = ['--log-file', join(dir, 'p.log'), '--service-log', join(dir, 's.log')];
    // Root's default PID file, /run/ping-daemon/ping-daemon.pid.
    const start = await cliDone(['start', '--host', '127.0.0.1', '--interval', '1s', ...files]);
    assert.equal(start.code, 0, start.stderr);
    const pid = Number(/pid (\d+)/.exec(start.stdout)?.[1]);
    killAtEnd(pid);
    try {
      const stop = await cliDone(['stop'], asNobody);
      assert.deepEqual(
        [stop.code, stop.stderr],
        [
          4,
          `ping-daemon: no ping-daemon of yours runs (no PID file /nonexistent/.local/state/ping-daemon/ping-daemon.pid); the one running (pid ${pid}, PID file /run/ping-daemon/ping-daemon.pid) is root's: run 'sudo ping-daemon stop'\n`,
        ],
      );
      // A PID file the user named (here through the environment) is theirs to ask about.
      const named = await cliDone(['stop'], {
        ...asNobody,
        env: { PING_DAEMON_PID_FILE: '/tmp/pd-nobody-none.pid' },
      });
      assert.deepEqual(
        [named.code, named.stdout],
        [0, 'ping-daemon is not running (no PID file /tmp/pd-nobody-none.pid)\n'],
      );
      const status = await cliDone(['status'], asNobody);
      assert.equal(status.code, 3);
      assert.match(
        status.stdout,
        new RegExp(
          `^ {2}root's ping-daemon runs \\(pid ${pid}\\): ping-daemon status --pid-file /run/ping-daemon/ping-daemon.pid$`,
          'm',
        ),
      );
    } finally {
      assert.equal((await cliDone(['stop'])).code, 0);
    }
  });
});

describe('install-service', () => {
  it('from a clone, warns; --dry-run shows what it would write', async () => {
    const root = tempDir();
    const r = await cliDone(['install-service', '--root', root, '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^ping-daemon: warning: the unit would run .*dist\/cli\.js, which is not a ping-daemon installed on the system PATH; /,
    );
    assert.match(
      r.stdout,
      /^would install .*ping-daemon\.service\n {4}# ping-daemon under systemd/m,
    );
    assert.match(r.stdout, /^ {4}ExecStart=/m);
    assert.match(r.stdout, /^would install .*config\.json\n {4}\{$/m);
    assert.ok(!existsSync(join(root, 'etc')));
  });
});
