// Both shipped units under a real systemd: a minimal Debian booted in systemd-nspawn, the npm
// tarball installed inside with `npm install -g`, `install-service`, then everything an admin
// relies on, checked through `systemctl` and `journalctl` inside the container. Needs root,
// debootstrap and systemd-nspawn (CI installs them); the root is built once per machine and
// reused (keyed by its inputs), the container is ephemeral (--volatile=overlay).
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { has, isRoot, pairs, parseText, type TextLine, tempDir, waitFor } from '../helpers/cli.js';
import { containerRoot } from '../helpers/container-root.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const missing = ['debootstrap', 'systemd-nspawn', 'nsenter'].filter((c) => !has(c));
const skip = !isRoot
  ? 'needs root to boot a container (CI runs it)'
  : missing.length > 0
    ? `needs ${missing.join(', ')} (CI installs them: debootstrap, systemd-container)`
    : false;
if (skip) process.stdout.write(`# systemd tests skipped: ${skip}\n`);

/** The cgroups nspawn leaves at the root of a host without systemd (it runs --keep-unit). */
function removeLeftCgroups(): void {
  for (const hierarchy of ['systemd', 'unified']) {
    for (const name of ['payload', 'supervisor']) {
      const dir = join('/sys/fs/cgroup', hierarchy, name);
      if (!existsSync(dir)) continue;
      const dirs: string[] = [];
      const walk = (d: string): void => {
        for (const e of readdirSync(d, { withFileTypes: true }))
          if (e.isDirectory()) walk(join(d, e.name));
        dirs.push(d);
      };
      walk(dir);
      for (const d of dirs) {
        try {
          rmdirSync(d);
        } catch {
          // still in use, or gone
        }
      }
    }
  }
}

class Container {
  readonly #nspawn: ChildProcess;
  readonly #exit: Promise<void>;
  pid1 = 0;

  /** `withNode`: Node, npm and npm's cache bound in (off: a Debian with no Node at all). */
  constructor(root: string, pkgDir: string, withNode = true) {
    const npm = dirname(
      dirname(
        realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim()),
      ),
    );
    const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
    // --register=no and --keep-unit: this host has neither systemd as PID 1 nor D-Bus.
    this.#nspawn = spawn(
      'systemd-nspawn',
      [
        '--boot',
        '--private-network',
        '--register=no',
        '--keep-unit',
        '--volatile=overlay',
        `--machine=pd-test-${process.pid}`,
        '-D',
        root,
        ...(withNode
          ? [
              `--bind-ro=${realpathSync(process.execPath)}:/usr/bin/node`,
              `--bind-ro=${npm}:/opt/npm`,
              `--bind=${cache}:/root/.npm`,
            ]
          : []),
        `--bind-ro=${pkgDir}:/mnt/pkg`,
      ],
      { stdio: 'ignore' },
    );
    this.#exit = new Promise((resolve) => this.#nspawn.on('close', () => resolve()));
  }

  /**
   * The container's init: the process below nspawn that is PID 1 in its own PID namespace
   * (NSpid ends in 1). Not merely nspawn's first child, which may be a helper that is gone.
   */
  #findInit(): number {
    const below = (pid: number): number[] => {
      try {
        const text = execFileSync(
          'sh',
          ['-c', `cat /proc/${pid}/task/*/children 2>/dev/null || true`],
          {
            encoding: 'utf8',
          },
        );
        return text.trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    };
    const queue = below(this.#nspawn.pid as number);
    while (queue.length > 0) {
      const pid = queue.shift() as number;
      try {
        if (/^NSpid:\s+\d+\s+1$/m.test(readFileSync(`/proc/${pid}/status`, 'latin1'))) return pid;
      } catch {
        continue;
      }
      queue.push(...below(pid));
    }
    return 0;
  }

  async booted(): Promise<void> {
    this.pid1 = await waitFor("the container's systemd", () => this.#findInit(), 30_000);
    await waitFor(
      'the boot to finish',
      () => /^(running|degraded)$/m.test(this.sh('systemctl is-system-running').stdout),
      60_000,
    );
  }

  /** Runs `script` with sh inside the container, in a clean environment. */
  sh(script: string, timeout = 60_000): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(
      'nsenter',
      [
        '-t',
        String(this.pid1),
        '-m',
        '-u',
        '-i',
        '-n',
        '-p',
        '--',
        'env',
        '-i',
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'HOME=/root',
        'LANG=C',
        'sh',
        '-c',
        script,
      ],
      { encoding: 'utf8', timeout },
    );
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** Like sh, and fails the test unless it exits 0. */
  ok(script: string, timeout?: number): string {
    const r = this.sh(script, timeout);
    if (r.status !== 0) {
      const journal = this.sh('journalctl -u ping-daemon -n 15 --no-pager -o cat').stdout;
      assert.fail(`${script}: exit ${r.status}\n${r.stdout}${r.stderr}\njournal:\n${journal}`);
    }
    return r.stdout;
  }

  /** The text of a file inside, or '' while it does not exist. */
  read(path: string): string {
    return this.sh(`cat ${path} 2>/dev/null`).stdout;
  }

  async stop(): Promise<void> {
    this.#nspawn.kill('SIGTERM'); // a --boot container powers off
    const timer = setTimeout(() => this.#nspawn.kill('SIGKILL'), 30_000);
    await this.#exit;
    clearTimeout(timer);
    removeLeftCgroups();
  }
}

/**
 * Start and end lines in pairs with consecutive seq numbers (a probe may still be in flight at
 * the end): no line was lost across the rotation.
 */
function noGap(lines: TextLine[]): void {
  const own = [...lines];
  if (own.at(-1)?.event === 'start') own.pop();
  assert.ok(own.length >= 4, 'too few lines');
  for (let i = 0; i < own.length; i += 2) {
    const [start, end] = [own[i], own[i + 1]];
    assert.deepEqual(
      [start?.event, end?.event, start?.seq],
      ['start', 'end', end?.seq],
      `line ${i}`,
    );
    if (i > 0)
      assert.equal(
        start?.seq,
        (own[i - 2]?.seq ?? 0) + 1,
        `a line was lost before seq ${start?.seq}`,
      );
  }
}

const mainPid = (c: Container): number =>
  Number(c.ok('systemctl show -p MainPID --value ping-daemon').trim());

describe('systemd units in a booted Debian', { skip, timeout: 900_000 }, () => {
  let c: Container;
  before(async () => {
    const root = containerRoot();
    const pkg = tempDir();
    execFileSync('npm', ['pack', '--pack-destination', pkg, '--ignore-scripts'], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    removeLeftCgroups();
    c = new Container(root, pkg);
    await c.booted();
    c.ok(
      'node /opt/npm/bin/npm-cli.js install -g --offline --no-audit --no-fund /mnt/pkg/ping-daemon-*.tgz',
      120_000,
    );
  });
  after(async () => {
    await c?.stop();
  });

  for (const variant of ['exec', 'forking'] as const) {
    describe(`ping-daemon.service (${variant})`, () => {
      const runtime = '/run/ping-daemon';
      const pidFile = '/run/ping-daemon/ping-daemon.pid';
      const config = (hosts: string[], interval: string) =>
        `printf '%s' '${JSON.stringify({ hosts, interval })}' > /etc/ping-daemon/config.json`;

      it('installs and starts, with the PID file systemd watches and the right title', async () => {
        c.ok(`ping-daemon install-service${variant === 'forking' ? ' --forking' : ''}`);
        c.ok(
          `${config(['127.0.0.1'], '200ms')} && rm -f /home/ping.log* && systemctl daemon-reload && systemctl start ping-daemon`,
        );
        assert.equal(c.ok('systemctl is-active ping-daemon').trim(), 'active');
        const pid = mainPid(c);
        // Type=exec is active once exec'd: the PID file follows when the daemon is up.
        await waitFor('the PID file', () => c.read(pidFile) !== '', 10_000);
        assert.equal(c.read(pidFile), `${pid}\n`);
        assert.match(c.ok(`tr '\\0' ' ' < /proc/${pid}/cmdline`), /^ping-daemon: 127\.0\.0\.1/);
        await waitFor('probes', () => c.read('/home/ping.log').includes('status=up'), 10_000);
        // The CLI finds the unit's daemon by its own default PID file: one PID file everywhere.
        assert.match(
          c.ok('ping-daemon status'),
          new RegExp(`^ping-daemon is running \\(pid ${pid}\\)`),
        );
      });

      it('runs with only CAP_NET_RAW, no new privileges, a read-only system and a private /tmp', () => {
        const pid = mainPid(c);
        const status = c.ok(`cat /proc/${pid}/status`);
        assert.match(status, /^CapEff:\s+0000000000002000$/m);
        assert.match(status, /^CapBnd:\s+0000000000002000$/m);
        assert.match(status, /^NoNewPrivs:\s+1$/m);
        const inService = (script: string) => c.sh(`nsenter -t ${pid} -m sh -c '${script}'`);
        for (const dir of ['/', '/etc', '/root', '/usr']) {
          const r = inService(`touch ${dir}/pd-probe-write`);
          assert.notEqual(r.status, 0, `${dir} is writable`);
          assert.match(r.stderr, /Read-only file system/);
        }
        for (const dir of ['/home', runtime]) {
          assert.equal(
            inService(`touch ${dir}/pd-probe-write && rm ${dir}/pd-probe-write`).status,
            0,
            `${dir} is not writable`,
          );
        }
        assert.equal(inService('touch /tmp/pd-private').status, 0);
        assert.equal(c.sh('test -e /tmp/pd-private').status, 1, '/tmp is shared');
      });

      it('systemctl reload applies a changed config with the same MainPID', async () => {
        const pid = mainPid(c);
        c.ok(`${config(['127.0.0.1', '::1'], '300ms')} && systemctl reload ping-daemon`);
        await waitFor(
          'the new host',
          () => c.ok('cat /home/ping.log').includes('host=::1'),
          10_000,
        );
        assert.equal(mainPid(c), pid);
        assert.match(c.ok(`tr '\\0' ' ' < /proc/${pid}/cmdline`), /^ping-daemon: 127\.0\.0\.1 \+1/);
      });

      it('the shipped logrotate policy, forced, loses no line', async () => {
        c.ok('logrotate -f /etc/logrotate.d/ping-daemon');
        await waitFor(
          'lines in the new file',
          () => c.ok('cat /home/ping.log 2>/dev/null || true').split('\n').length > 6,
          10_000,
        );
        const lines = c
          .ok('cat /home/ping.log.1 /home/ping.log')
          .split('\n')
          .filter(Boolean)
          .map(parseText);
        for (const host of ['127.0.0.1', '::1']) noGap(lines.filter((l) => l.host === host));
      });

      it('a SIGKILL of the daemon is restarted by systemd', async () => {
        const pid = mainPid(c);
        assert.ok(pid > 0, 'no MainPID'); // `kill -KILL 0` would hit our own process group
        c.ok(`kill -KILL ${pid}`);
        const next = await waitFor(
          'a new MainPID',
          () => {
            const now = mainPid(c);
            return now !== 0 &&
              now !== pid &&
              c.sh('systemctl is-active ping-daemon').stdout.trim() === 'active'
              ? now
              : 0;
          },
          20_000,
        );
        await waitFor('its PID file', () => c.read(pidFile) === `${next}\n`, 10_000);
      });

      it('systemctl stop leaves paired lines, no PID file and no ping process', async () => {
        const before = c.ok('cat /home/ping.log').split('\n').filter(Boolean).length;
        await waitFor(
          'probes of the new daemon',
          () => c.ok('cat /home/ping.log').split('\n').filter(Boolean).length >= before + 8,
          10_000,
        );
        c.ok('systemctl stop ping-daemon');
        assert.equal(c.sh('systemctl is-active ping-daemon').stdout.trim(), 'inactive');
        assert.equal(c.sh(`test -e ${pidFile}`).status, 1);
        assert.equal(c.sh('pgrep -x ping').status, 1, 'a ping process is left');
        const status = c.sh('ping-daemon status');
        assert.deepEqual(
          [status.status, status.stdout],
          [3, `ping-daemon is not running (no PID file ${pidFile})\n`],
        );
        const lines = c.read('/home/ping.log').split('\n').filter(Boolean).map(parseText);
        for (const host of ['127.0.0.1', '::1']) {
          // The lines of the daemon systemd restarted: from its first probe of the host on.
          const own = lines.filter((l) => l.host === host);
          const first = own.findLastIndex((l) => l.seq === 1 && l.event === 'start');
          pairs(own.slice(first));
          // The killed daemon's: whole, and only its last start, which the kill cut, without end.
          const before = own.slice(0, first);
          const unpaired = before.filter(
            (l, i) =>
              l.event === 'start' &&
              !(before[i + 1]?.event === 'end' && before[i + 1]?.seq === l.seq),
          );
          assert.ok(
            unpaired.length === 0 || (unpaired.length === 1 && unpaired[0] === before.at(-1)),
            JSON.stringify(unpaired),
          );
        }
      });

      it('a start-up failure is a warning in the journal and stops at the start limit', async () => {
        const since = c.ok('date +%s').trim();
        c.ok(`printf '{"host": "-bad"}' > /etc/ping-daemon/config.json`);
        c.sh('systemctl start ping-daemon');
        const journal = (priority: string) =>
          c.ok(`journalctl -u ping-daemon --since @${since} ${priority} --no-pager -o cat`);
        await waitFor(
          'the start limit',
          () =>
            c.sh('systemctl show -p ActiveState --value ping-daemon').stdout.trim() === 'failed' &&
            journal('').includes('Start request repeated too quickly'),
          30_000,
        );
        // Each failed start says why at warning priority or above: three of them, then no more.
        const reasons = journal('-p warning').match(
          /ping-daemon: config file \/etc\/ping-daemon\/config\.json: host starts with `-`.*/g,
        );
        assert.equal(reasons?.length, 3, journal('-p warning'));
        c.ok(`systemctl reset-failed ping-daemon; ${config(['127.0.0.1'], '200ms')}`);
      });

      it('has a systemd-analyze security exposure of at most 2.5', () => {
        const report = c.ok('systemd-analyze security ping-daemon --no-pager');
        const exposure = Number(
          /Overall exposure level for ping-daemon\.service: ([\d.]+)/.exec(report)?.[1],
        );
        assert.ok(exposure <= 2.5, `exposure ${exposure}`);
      });
    });
  }
});

describe('the Debian package in a booted Debian with no Node', { skip, timeout: 900_000 }, () => {
  let c: Container;
  before(async () => {
    const root = containerRoot();
    const out = tempDir();
    execFileSync('bash', ['.ci/package'], {
      cwd: ROOT,
      env: { ...process.env, PACKAGE_OUT: out },
      stdio: 'ignore',
      timeout: 600_000,
    });
    removeLeftCgroups();
    c = new Container(root, out, false);
    await c.booted();
  });
  after(async () => {
    await c?.stop();
  });

  it('installs with apt, runs as its own user, and apt purge takes all of it but the logs', async () => {
    assert.notEqual(c.sh('command -v node').status, 0, 'the container has a node');
    // The config is the admin's before the package comes (and no test pings outside names).
    c.ok(
      `mkdir -p /etc/ping-daemon && printf '%s' '${JSON.stringify({ host: '127.0.0.1', interval: '200ms' })}' > /etc/ping-daemon/config.json`,
    );
    c.ok(
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Options::=--force-confold /mnt/pkg/ping-daemon_*.deb',
      180_000,
    );
    assert.equal(c.ok('systemctl is-enabled ping-daemon').trim(), 'enabled');
    await waitFor(
      'the service',
      () => c.sh('systemctl is-active ping-daemon').stdout.trim() === 'active',
      20_000,
    );
    assert.match(c.ok('systemctl status ping-daemon --no-pager'), /Active: active \(running\)/);
    await waitFor('a probe', () => c.read('/home/ping.log').includes('status=up'), 20_000);
    const pid = mainPid(c);
    const status = c.ok(`cat /proc/${pid}/status`);
    const uid = c.ok('id -u ping-daemon').trim();
    assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s`, 'm'));
    assert.notEqual(uid, '0');
    assert.match(status, /^CapEff:\s+0000000000002000$/m);
    assert.match(
      c.ok('ping-daemon status'),
      new RegExp(`^ping-daemon is running \\(pid ${pid}\\)`),
    );
    assert.match(c.ok('ping-daemon --version'), /^\d+\.\d+\.\d+$/m);
    assert.match(c.ok('zcat /usr/share/man/man8/ping-daemon.8.gz'), /^\.TH PING-DAEMON 8 /m);
    // The rules and the dashboard of docs/fleets.md, for Prometheus and Grafana to take.
    c.ok(
      'test -s /usr/share/doc/ping-daemon/examples/ping-daemon.rules.yml && test -s /usr/share/doc/ping-daemon/examples/grafana/ping-daemon.json',
    );
    assert.match(
      c.ok('cat /usr/share/bash-completion/completions/ping-daemon'),
      /ping-daemon --get-yargs-completions/,
    );
    assert.match(c.ok('cat /etc/logrotate.d/ping-daemon'), /^\/home\/ping\.log /m);
    // Its history goes where systemd made room for it, the service user's.
    assert.equal(c.ok('stat -c %U:%a /var/lib/ping-daemon/history').trim(), 'ping-daemon:755');
    assert.match(
      c.ok('ping-daemon status --json'),
      /"historyDir":"\/var\/lib\/ping-daemon\/history"/,
    );

    c.ok('DEBIAN_FRONTEND=noninteractive apt-get purge -y -q ping-daemon', 120_000);
    assert.notEqual(c.sh('systemctl is-active ping-daemon').stdout.trim(), 'active');
    for (const gone of [
      '/usr/bin/ping-daemon',
      '/usr/lib/ping-daemon',
      '/lib/systemd/system/ping-daemon.service',
      '/etc/systemd/system/multi-user.target.wants/ping-daemon.service',
      '/etc/ping-daemon',
      '/etc/logrotate.d/ping-daemon',
      '/var/lib/ping-daemon',
    ]) {
      assert.equal(c.sh(`test -e ${gone}`).status, 1, `${gone} is left`);
    }
    assert.notEqual(c.sh('getent passwd ping-daemon').status, 0, 'the user is left');
    assert.equal(c.sh('pgrep ping-daemon').status, 1, 'a process is left'); // by name, not -f: sh -c itself
    // The log stays, given back to root.
    assert.equal(c.ok('stat -c %U /home/ping.log').trim(), 'root');
  });
});
