// Host states and notifications (docs/alerts.md), as a user meets them: a daemon whose host is
// moved up and down by a stand-in ping, real hook programs, real HTTP and HTTPS receivers on
// 127.0.0.1, the service log, `status`, the metrics and `notify-test`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  cli,
  cliDone,
  fileArgs,
  fixture,
  freePort,
  has,
  isRoot,
  processesMatching,
  readLines,
  tempDir,
  waitFor,
  withoutVantage,
} from '../helpers/cli.js';

/** A stand-in ping whose host answers as `set(mode)` says: up, down or slow (300 ms). */
function switchable(dir: string) {
  const pingDir = join(dir, 'ping');
  cpSync(fixture('ping-switch'), pingDir, { recursive: true });
  const set = (mode: 'up' | 'down' | 'slow') => writeFileSync(join(pingDir, 'mode'), `${mode}\n`);
  set('up');
  return { pingDir, set };
}

/** A hook that appends each call (its PING_DAEMON_* variables and its stdin) to `got`. */
function recordingHook(dir: string, name = 'hook'): { path: string; calls(): Call[] } {
  const path = join(dir, name);
  const got = join(dir, `${name}.got`);
  writeFileSync(
    path,
    // One write() per call, so that a reader never sees half of one.
    `#!/bin/sh\nline=$(env | grep '^PING_DAEMON_' | sort | tr '\\n' '\\036'; printf '\\t'; cat)\nprintf '%s\\n' "$line" >> '${got}'\n`,
    { mode: 0o755 },
  );
  const calls = (): Call[] =>
    readLines(got).map((line) => {
      const [vars, json] = line.split('\t') as [string, string];
      const env = Object.fromEntries(
        vars
          .split('\x1e')
          .filter(Boolean)
          .map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]),
      );
      return { env, json: JSON.parse(json) };
    });
  return { path, calls };
}

interface Call {
  env: Record<string, string>;
  json: Record<string, unknown>;
}

/** A receiver on 127.0.0.1 answering `status` (0: never); records the bodies. */
async function receiver(status: number, tls?: { key: string; cert: string }) {
  const bodies: Record<string, unknown>[] = [];
  const handler = (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      if (status !== 0) res.writeHead(status).end();
    });
  };
  const server: Server = tls ? createHttps(tls, handler) : createHttp(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  return { port, bodies };
}

async function metricsText(port: number): Promise<string> {
  return withoutVantage(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
}

/** The daemon's service log lines (JSON on stderr in `run`). */
function serviceLog(stderr: string): { level: number; msg: string; [k: string]: unknown }[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

describe('host states and --on-change', () => {
  it('tells a hook of down, then up, with the variables and JSON of the event; logs, status and metrics agree', async () => {
    const dir = tempDir();
    const { pingDir, set } = switchable(dir);
    const hook = recordingHook(dir);
    const port = await freePort();
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const run = cli([
      'run',
      '--host',
      '127.0.0.1',
      '--interval',
      '100ms',
      '--ping-dir',
      pingDir,
      '--on-change',
      hook.path,
      '--metrics-listen',
      `127.0.0.1:${port}`,
      ...['--vantage', 'hook-lab'],
      ...fileArgs(files),
    ]);
    const logged = () => serviceLog(run.stderr());
    await waitFor('up', () =>
      logged().some((l) => l.msg === '127.0.0.1 is up (2 probes with a reply)'),
    );
    assert.equal(hook.calls().length, 0, 'the first decision, up, is not told');
    set('down');
    await waitFor('the down call', () => hook.calls().length === 1, 10_000, run.stderr);
    set('up');
    await waitFor('the up call', () => hook.calls().length === 2, 10_000, run.stderr);

    const [down, up] = hook.calls() as [Call, Call];
    assert.deepEqual(Object.keys(down.env).sort(), [
      'PING_DAEMON_DURATION_S',
      'PING_DAEMON_EVENT',
      'PING_DAEMON_HOST',
      'PING_DAEMON_ID',
      'PING_DAEMON_LOSS_PCT',
      'PING_DAEMON_PID',
      'PING_DAEMON_PREVIOUS_STATE',
      'PING_DAEMON_REASON',
      'PING_DAEMON_RTT_MS',
      'PING_DAEMON_SEQ',
      'PING_DAEMON_SINCE',
      'PING_DAEMON_STATE',
      'PING_DAEMON_TEXT',
      'PING_DAEMON_VANTAGE',
    ]);
    assert.equal(down.env.PING_DAEMON_EVENT, 'change');
    assert.equal(down.env.PING_DAEMON_VANTAGE, 'hook-lab');
    assert.equal(down.json.vantage, 'hook-lab');
    assert.equal(down.env.PING_DAEMON_HOST, '127.0.0.1');
    assert.equal(down.env.PING_DAEMON_STATE, 'down');
    assert.equal(down.env.PING_DAEMON_PREVIOUS_STATE, 'up');
    assert.equal(down.env.PING_DAEMON_REASON, '3 probes without reply');
    assert.equal(down.env.PING_DAEMON_RTT_MS, '0.042');
    assert.match(
      down.env.PING_DAEMON_TEXT ?? '',
      /^127\.0\.0\.1 is down since \d\d:\d\d:\d\d \(3 probes without reply; up for \d+s\)$/,
    );
    // stdin: the same event, as JSON.
    assert.equal(down.json.event, 'change');
    assert.equal(down.json.state, 'down');
    assert.equal(down.json.since, down.env.PING_DAEMON_SINCE);
    // An id for a receiver to drop a duplicate; the daemon's PID, by which it ends what is left.
    assert.equal(down.json.id, down.env.PING_DAEMON_ID);
    assert.notEqual(down.json.id, up.json.id);
    assert.equal(down.env.PING_DAEMON_PID, String(run.child.pid));
    assert.equal(down.json.seq, Number(down.env.PING_DAEMON_SEQ));
    assert.equal(down.json.text, down.env.PING_DAEMON_TEXT);
    assert.equal(up.env.PING_DAEMON_STATE, 'up');
    assert.equal(up.env.PING_DAEMON_PREVIOUS_STATE, 'down');
    assert.equal(up.env.PING_DAEMON_REASON, '2 probes with a reply');
    assert.ok(Date.parse(up.json.since as string) > Date.parse(down.json.since as string));

    // The service log: one line per change, warn for down, with the reason.
    const changes = logged().filter((l) => /^127\.0\.0\.1 is /.test(l.msg));
    assert.deepEqual(
      changes.map((l) => [l.level, l.msg]),
      [
        [30, '127.0.0.1 is up (2 probes with a reply)'],
        [40, '127.0.0.1 is down (3 probes without reply)'],
        [30, '127.0.0.1 is up (2 probes with a reply)'],
      ],
    );
    await waitFor('status to say up, and why', async () =>
      /127\.0\.0\.1: up since \S+ \(\d+s\): 2 probes with a reply$/m.test(
        (await cliDone(['status', '--pid-file', files.pid])).stdout,
      ),
    );
    const text = await metricsText(port);
    assert.match(text, /^ping_state\{host="127\.0\.0\.1",state="up"\} 1$/m);
    assert.match(text, /^ping_state\{host="127\.0\.0\.1",state="down"\} 0$/m);
    assert.match(text, /^ping_state_changes_total\{host="127\.0\.0\.1"\} 3$/m);
    // Counted under the channel's short name, with how long each took; status shows the channel.
    const channel = `exec:${hook.path}`.replace(/[/.]/g, '\\$&');
    await waitFor('both notifications counted', async () =>
      new RegExp(`^ping_notifications_total\\{channel="${channel}",outcome="ok"\\} 2$`, 'm').test(
        await metricsText(port),
      ),
    );
    assert.match(
      await metricsText(port),
      new RegExp(`^ping_notification_duration_seconds_count\\{channel="${channel}"\\} 2$`, 'm'),
    );
    assert.match(
      await metricsText(port),
      new RegExp(`^ping_notification_queue_length\\{channel="${channel}"\\} 0$`, 'm'),
    );
    await waitFor('status to show the channel', async () =>
      new RegExp(
        `^  channel ${channel}: 2 delivered, 0 failed, 0 dropped, 0 waiting; last delivered at \\S+ \\(\\d+s\\): exited with status 0$`,
        'm',
      ).test((await cliDone(['status', '--pid-file', files.pid])).stdout),
    );
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
  });

  it('says degraded when the median rtt crosses --degraded-rtt, and up when it is back', async () => {
    const dir = tempDir();
    const { pingDir, set } = switchable(dir);
    const hook = recordingHook(dir);
    const run = cli([
      'run',
      ...['--host', '127.0.0.1', '--interval', '100ms', '--timeout', '80ms'],
      ...['--ping-dir', pingDir, '--on-change', hook.path],
      ...['--degraded-rtt', '200ms', '--window', '3'],
      ...['--log-file', join(dir, 'p.log'), '--pid-file', join(dir, 'd.pid')],
    ]);
    await waitFor('up', () => serviceLog(run.stderr()).some((l) => l.msg.includes(' is up')));
    set('slow');
    await waitFor('degraded', () => hook.calls().length === 1, 10_000, run.stderr);
    set('up');
    await waitFor('up again', () => hook.calls().length === 2, 10_000, run.stderr);
    const [degraded, up] = hook.calls() as [Call, Call];
    assert.equal(degraded.env.PING_DAEMON_STATE, 'degraded');
    assert.equal(
      degraded.env.PING_DAEMON_REASON,
      'median rtt 300 ms >= 200 ms over the last 3 probes',
    );
    assert.equal(up.env.PING_DAEMON_STATE, 'up');
    assert.match(
      up.env.PING_DAEMON_REASON ?? '',
      /^median rtt 42 µs < 200 ms over the last 3 probes$/,
    );
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
  });
});

describe('--webhook', () => {
  it('posts the event with its text to http and https receivers, and never writes the URL down', async (t) => {
    if (!has('openssl')) return t.skip('openssl is missing (CI installs it)');
    const dir = tempDir();
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        ...[
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
        ],
        ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
      ],
      { stdio: 'ignore' },
    );
    const plain = await receiver(200);
    const secure = await receiver(204, {
      key: readFileSync(key, 'utf8'),
      cert: readFileSync(cert, 'utf8'),
    });
    const { pingDir, set } = switchable(dir);
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const secretUrl = `http://alice:s3cret-PASS@127.0.0.1:${plain.port}/services/T0/B1/s3cret-TOKEN`;
    const run = cli(
      [
        'run',
        ...['--host', '127.0.0.1', '--interval', '100ms', '--ping-dir', pingDir],
        ...['--webhook', secretUrl, '--webhook', `https://127.0.0.1:${secure.port}/hook`],
        ...fileArgs(files),
      ],
      // The receiver's self-signed certificate, trusted the way a site trusts its own CA.
      { env: { NODE_EXTRA_CA_CERTS: cert } },
    );
    await waitFor('up', () => serviceLog(run.stderr()).some((l) => l.msg.includes(' is up')));
    set('down');
    await waitFor(
      'both receivers',
      () => plain.bodies.length === 1 && secure.bodies.length === 1,
      10_000,
      run.stderr,
    );
    for (const body of [plain.bodies[0], secure.bodies[0]]) {
      assert.equal(body?.event, 'change');
      assert.equal(body?.host, '127.0.0.1');
      assert.equal(body?.state, 'down');
      assert.match(
        String(body?.text),
        /^127\.0\.0\.1 is down since \d\d:\d\d:\d\d \(3 probes without reply; up for \d+s\)$/,
      );
    }
    await waitFor(
      'both told',
      () =>
        serviceLog(run.stderr()).filter((l) => l.msg.startsWith('notified: change of 127.0.0.1'))
          .length === 2,
    );
    const status = await cliDone(['status', '--json', '--pid-file', files.pid]);
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
    for (const [what, text] of [
      ['the service log', run.stderr()],
      ['status --json', status.stdout],
      ['the ping log', readFileSync(files.log, 'utf8')],
    ] as const) {
      assert.doesNotMatch(text, /s3cret/, what);
    }
    assert.match(run.stderr(), /via http:\/\/127\.0\.0\.1:\d+\/…: answered 200/);
  });

  it('refuses a URL that is not http or https, without echoing it', async () => {
    const r = await cliDone(['run', '--host', '127.0.0.1', '--webhook', 'ftp://u:s3cret@h.test/x']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'ping-daemon: --webhook must be an http:// or https:// URL, not ftp:, got `ftp://h.test/…`\n',
    );
  });
});

describe('delivery never holds up the schedule', () => {
  it('survives hooks that hang, ignore SIGTERM, leave children, flood stdout or cannot run, and endpoints that never answer or fail', async () => {
    const dir = tempDir();
    const { pingDir, set } = switchable(dir);
    set('down');
    const script = (name: string, body: string): string => {
      const path = join(dir, name);
      writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      return path;
    };
    const hang = script('hang', 'sleep 60');
    const stubborn = script('stubborn', "trap '' TERM; sleep 60 & sleep 61; wait");
    const forker = script('forker', 'sleep 60 & echo left a child');
    const flood = script('flood', 'head -c 100000000 /dev/zero');
    const noexec = script('noexec', 'exit 0');
    const failing = script('failing', 'echo "mail: cannot connect" >&2; exit 3');
    const silent = await receiver(0);
    const broken = await receiver(500);
    const hosts = [
      { host: '127.0.0.1', onChange: hang },
      { host: '127.0.0.2', onChange: stubborn },
      { host: '127.0.0.3', onChange: forker },
      { host: '127.0.0.4', onChange: flood },
      { host: '127.0.0.5', onChange: noexec },
      { host: '127.0.0.6', onChange: failing },
      { host: '127.0.0.7', webhook: `http://127.0.0.1:${silent.port}/x`, hookTimeout: '300ms' },
      { host: '127.0.0.8', webhook: `http://127.0.0.1:${broken.port}/x` },
    ];
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ hosts, interval: '100ms', hookTimeout: '1500ms' }));
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const run = cli(['run', '-c', config, '--ping-dir', pingDir, ...fileArgs(files)]);
    await waitFor('the daemon', () => serviceLog(run.stderr()).some((l) => l.msg === 'started'));
    chmodSync(noexec, 0o644); // after start, which refuses a program it cannot run
    const outcomes = () =>
      serviceLog(run.stderr()).filter((l) => /^(notified|notification failed): /.test(l.msg));
    await waitFor(
      'every host told, or failing to be',
      () => outcomes().length === hosts.length,
      30_000,
      () =>
        outcomes()
          .map((l) => l.msg)
          .join('\n'),
    );
    const said = Object.fromEntries(
      outcomes().map((l) => [String(l.host), [l.level, l.msg.replace(/^.* via \S+: /, '')]]),
    );
    assert.deepEqual(said, {
      '127.0.0.1': [40, 'timed out after 1500ms, killed with its process group'],
      '127.0.0.2': [40, 'timed out after 1500ms, killed with its process group'],
      '127.0.0.3': [30, 'exited with status 0'],
      '127.0.0.4': [30, 'exited with status 0'],
      '127.0.0.5': [40, 'cannot run: permission denied'],
      '127.0.0.6': [40, 'exited with status 3: mail: cannot connect'],
      '127.0.0.7': [40, 'no answer within 300ms (3 tries)'],
      '127.0.0.8': [40, 'answered 500 (3 tries)'],
    });
    assert.equal(broken.bodies.length, 3);
    // The ticks went on while the hooks ran: 127.0.0.1's hook hung for 1.5 s, during which its
    // host was probed as often as the hosts whose hooks had ended at once (a hook run in the
    // schedule's way would allow none). Not a count of the ticks a machine ought to manage: on
    // busy cores every host's ticks come late alike (status counts them missed), hook or not.
    const at = (msg: RegExp) =>
      serviceLog(run.stderr()).find((l) => msg.test(l.msg))?.time as number;
    const hookFrom = at(/^127\.0\.0\.1 is down/);
    const hookTo = at(/^notification failed: change of 127\.0\.0\.1 /);
    const starts = readLines(files.log).filter((l) => l.startsWith('start'));
    const during = (host: string) =>
      starts
        .filter((l) => l.includes(`host=${host} `))
        .map((l) => Date.parse(l.slice(20, 49)))
        .filter((t) => t > hookFrom && t < hookTo).length;
    assert.ok(hookTo - hookFrom >= 1400, `the hook ran ${hookTo - hookFrom} ms`);
    const hung = during('127.0.0.1');
    const quick = ['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'].map(during);
    const typical = [...quick].sort((a, b) => a - b)[1] as number;
    assert.ok(
      hung >= 2 && hung >= typical / 2,
      `${hung} probes of 127.0.0.1 while its hook ran; the hosts whose hooks had ended: ${quick}`,
    );
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
    await waitFor(
      'no hook process left',
      () => processesMatching(dir).length === 0,
      5000,
      () => processesMatching(dir).join(' '),
    );
  });
});

describe('channels', () => {
  it('one that hangs holds up no other: a hook hears of every change while the webhook is stuck on the first', async () => {
    const dir = tempDir();
    const { pingDir, set } = switchable(dir);
    const hook = recordingHook(dir);
    const silent = await receiver(0);
    const run = cli([
      'run',
      ...['--host', '127.0.0.1', '--interval', '100ms', '--ping-dir', pingDir],
      ...['--on-change', hook.path, '--webhook', `http://127.0.0.1:${silent.port}/x`],
      ...[
        '--hook-timeout',
        '5s',
        ...fileArgs({ log: join(dir, 'p.log'), pid: join(dir, 'd.pid') }),
      ],
    ]);
    const webhookTold = () =>
      serviceLog(run.stderr()).filter((l) => /via http:\/\/127\.0\.0\.1:\d+\/…/.test(l.msg));
    for (const [i, mode] of (['down', 'up', 'down', 'up'] as const).entries()) {
      set(mode);
      await waitFor(
        `change ${i + 1} told to the hook`,
        () => hook.calls().length === i + 1,
        10_000,
        run.stderr,
      );
    }
    // The webhook's first delivery (3 tries of 5 s, 1 s and 2 s apart) is still under way.
    assert.deepEqual(webhookTold(), []);
    assert.equal(silent.bodies.length >= 1, true);
    assert.deepEqual(
      hook.calls().map((c) => c.env.PING_DAEMON_STATE),
      ['down', 'up', 'down', 'up'],
    );
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
    // The stop abandoned the stuck post and said so, and the three events behind it.
    assert.match(
      run.stderr(),
      /notification failed: change of 127\.0\.0\.1 via http:\/\/127\.0\.0\.1:\d+\/…: /,
    );
    assert.equal(
      serviceLog(run.stderr()).filter((l) =>
        /^notification not delivered: .* the daemon is stopping$/.test(l.msg),
      ).length,
      3,
      run.stderr(),
    );
  });
});

describe('stop', () => {
  it('starts no hook once it began, and leaves nothing a hook started: not one ignoring SIGTERM, nor its setsid child', async () => {
    const dir = tempDir();
    const { pingDir, set } = switchable(dir);
    const hook = join(dir, 'stubborn');
    const mark = `${4000 + Math.floor(Math.random() * 1000)}.${process.pid}`;
    writeFileSync(
      hook,
      `#!/bin/sh\necho "$PING_DAEMON_STATE" >> '${dir}/began'\ntrap '' TERM\nsetsid sleep ${mark} &\nsleep ${mark}\n`,
      { mode: 0o755 },
    );
    const run = cli([
      'run',
      ...['--host', '127.0.0.1', '--interval', '100ms', '--ping-dir', pingDir, '--on-change', hook],
      ...[
        '--hook-timeout',
        '60s',
        '--log-file',
        join(dir, 'p.log'),
        '--pid-file',
        join(dir, 'd.pid'),
      ],
    ]);
    const logged = () => serviceLog(run.stderr());
    await waitFor('up', () => logged().some((l) => l.msg.includes(' is up')), 10_000, run.stderr);
    set('down');
    await waitFor(
      'the hook and its child',
      () => processesMatching(mark).length === 2,
      10_000,
      run.stderr,
    );
    set('up');
    // The next change waits behind the hook that hangs.
    await waitFor(
      'up again',
      () => logged().filter((l) => l.msg.includes(' is up')).length === 2,
      10_000,
      run.stderr,
    );
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
    assert.deepEqual(processesMatching(mark), [], 'nothing a hook started is left');
    assert.equal(
      readFileSync(join(dir, 'began'), 'utf8'),
      'down\n',
      'the queued hook never started',
    );
    const msgs = logged().map((l) => l.msg);
    assert.ok(
      msgs.includes(
        `notification not delivered: change of 127.0.0.1 via ${hook}: the daemon is stopping`,
      ),
      msgs.join('\n'),
    );
    assert.ok(
      msgs.includes(
        `notification failed: change of 127.0.0.1 via ${hook}: killed: the daemon is stopping`,
      ),
      msgs.join('\n'),
    );
    assert.ok(
      msgs.includes('killed 1 processes that hooks had left running outside their process groups'),
      msgs.join('\n'),
    );
  });

  it('delivers what is queued before it exits', async () => {
    const dir = tempDir();
    const { pingDir, set } = switchable(dir);
    const hook = join(dir, 'slow-hook');
    // Half a second of work, begun before the stop and finished after it.
    writeFileSync(hook, `#!/bin/sh\ntouch '${dir}/began'\nsleep 0.5\ntouch '${dir}/done'\n`, {
      mode: 0o755,
    });
    const run = cli([
      'run',
      ...['--host', '127.0.0.1', '--interval', '100ms', '--ping-dir', pingDir, '--on-change', hook],
      ...['--log-file', join(dir, 'p.log'), '--pid-file', join(dir, 'd.pid')],
    ]);
    await waitFor('up', () => serviceLog(run.stderr()).some((l) => l.msg.includes(' is up')));
    set('down');
    await waitFor('the hook', () => existsSync(join(dir, 'began')), 10_000, run.stderr);
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
    assert.ok(existsSync(join(dir, 'done')), 'the hook ran to its end');
    assert.ok(
      serviceLog(run.stderr()).some((l) => l.msg.startsWith('notified: change of 127.0.0.1')),
    );
  });
});

describe('reload', () => {
  it("keeps a host's state: no second down after new thresholds", async () => {
    const dir = tempDir();
    const { pingDir, set } = switchable(dir);
    const hook = recordingHook(dir);
    const config = join(dir, 'config.json');
    const write = (extra: object) =>
      writeFileSync(
        config,
        JSON.stringify({ host: '127.0.0.1', interval: '100ms', onChange: hook.path, ...extra }),
      );
    write({});
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const run = cli(['run', '-c', config, '--ping-dir', pingDir, ...fileArgs(files)]);
    set('down');
    await waitFor('down', () => hook.calls().length === 1, 10_000, run.stderr);
    const before = await waitFor('status to say down', async () => {
      const { stdout } = await cliDone(['status', '--pid-file', files.pid]);
      return stdout.includes('127.0.0.1: down since') ? stdout : undefined;
    });
    write({ downAfter: 5, degradedLoss: 50 });
    const reload = await cliDone(['reload', '--pid-file', files.pid]);
    assert.equal(reload.code, 0, reload.stderr);
    const since = (text: string) => /127\.0\.0\.1: down since (\S+)/.exec(text)?.[1];
    const after = (await cliDone(['status', '--pid-file', files.pid])).stdout;
    assert.ok(since(before), before);
    assert.equal(since(after), since(before), after);
    set('up');
    await waitFor('up', () => hook.calls().length === 2, 10_000, run.stderr);
    assert.deepEqual(
      hook.calls().map((c) => c.env.PING_DAEMON_STATE),
      ['down', 'up'],
    );
    assert.equal(hook.calls()[1]?.env.PING_DAEMON_PREVIOUS_STATE, 'down');
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
  });
});

describe('notify-test', () => {
  it('sends a test event through each channel and says how each went', async () => {
    const dir = tempDir();
    const hook = recordingHook(dir);
    const ok = await receiver(200);
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        host: '127.0.0.1',
        onChange: hook.path,
        webhook: `http://127.0.0.1:${ok.port}/x`,
      }),
    );
    const r = await cliDone(['notify-test', '-c', config]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `exec ${hook.path}: ok (exited with status 0)\nwebhook http://127.0.0.1:${ok.port}/…: ok (answered 200)\n`,
    );
    assert.equal(hook.calls()[0]?.env.PING_DAEMON_EVENT, 'test');
    assert.equal(ok.bodies[0]?.event, 'test');
    assert.equal(ok.bodies[0]?.text, 'test notification from ping-daemon for 127.0.0.1');
  });

  it('exits 1 when a channel fails, or when there is none', async () => {
    const broken = await receiver(500);
    const r = await cliDone([
      'notify-test',
      '--host',
      '127.0.0.2',
      '--webhook',
      `http://127.0.0.1:${broken.port}/x`,
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      `webhook http://127.0.0.1:${broken.port}/…: failed (answered 500 (3 tries))\n`,
    );
    const none = await cliDone(['notify-test', '--host', '127.0.0.2']);
    assert.deepEqual(
      [none.code, none.stderr],
      [
        1,
        'ping-daemon: no channel for 127.0.0.2: set --on-change, --webhook or --alertmanager (or onChange, webhook, alertmanager in the config file)\n',
      ],
    );
  });

  it('refuses a hook it cannot run, naming it', async () => {
    const r = await cliDone([
      'notify-test',
      '--host',
      '127.0.0.1',
      '--on-change',
      '/nonexistent/hook',
    ]);
    assert.deepEqual(
      [r.code, r.stderr],
      [
        1,
        'ping-daemon: --on-change /nonexistent/hook: no such file or directory; name a program ping-daemon can run (try it with ping-daemon notify-test)\n',
      ],
    );
  });
});

describe('--user', () => {
  it('runs the hook with the privileges the daemon dropped to', async (t) => {
    if (!isRoot) return t.skip('needs root to drop privileges (CI runs as root)');
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const { pingDir, set } = switchable(dir);
    const hook = recordingHook(dir);
    const out = join(dir, 'out');
    execFileSync('install', ['-d', '-o', 'nobody', out]);
    writeFileSync(hook.path, `#!/bin/sh\nid -u > '${out}/uid'\n`, { mode: 0o755 });
    const files = { log: join(out, 'p.log'), pid: join(out, 'd.pid') };
    const run = cli([
      'run',
      ...['--host', '127.0.0.1', '--interval', '100ms', '--ping-dir', pingDir, '--user', 'nobody'],
      ...['--on-change', hook.path, '--log-file', files.log, '--pid-file', files.pid],
    ]);
    set('down');
    const uid = await waitFor('the hook', () => readLines(join(out, 'uid'))[0], 10_000, run.stderr);
    assert.equal(uid, execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
  });
});

describe('as root, only what root could have written', () => {
  const skip = !isRoot && 'needs root (the checks apply to a daemon run as root)';

  it('refuses a hook in a directory another user owns, a --ping-dir anyone can write, and a reload to either', {
    skip,
  }, async () => {
    const dir = tempDir();
    const theirs = join(dir, 'theirs');
    mkdirSync(theirs);
    const hook = recordingHook(theirs);
    chownSync(theirs, 65534, 65534);
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const local = ['--host', '127.0.0.1', '--interval', '100ms'];
    const r = await cliDone(['run', ...local, '--on-change', hook.path, ...fileArgs(files)]);
    assert.deepEqual(
      [r.code, r.stderr],
      [
        1,
        `ping-daemon: --on-change ${hook.path}: ${theirs} is owned by uid 65534; as root, ping-daemon runs only what root alone can change (chown root, chmod go-w, or move it)\n`,
      ],
    );
    const { pingDir } = switchable(dir);
    chmodSync(pingDir, 0o777);
    const open = await cliDone(['run', ...local, '--ping-dir', pingDir, ...fileArgs(files)]);
    assert.equal(open.code, 1);
    assert.match(
      open.stderr,
      new RegExp(`^ping-daemon: --ping-dir ${pingDir}: ${pingDir} can be written by everyone;`),
    );
    chmodSync(pingDir, 0o755);
    // A running daemon keeps its settings when a reload would bring such a hook.
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ host: '127.0.0.1', interval: '100ms' }));
    const run = cli(['run', '-c', config, '--ping-dir', pingDir, ...fileArgs(files)]);
    await waitFor(
      'the daemon',
      () => existsSync(files.pid) && readLines(files.log).length >= 2,
      10_000,
      run.stderr,
    );
    writeFileSync(
      config,
      JSON.stringify({ host: '127.0.0.1', interval: '100ms', onChange: hook.path }),
    );
    const reload = await cliDone(['reload', '--pid-file', files.pid]);
    assert.equal(reload.code, 1);
    assert.match(
      reload.stderr,
      /reload failed, the daemon keeps its old settings: --on-change .* is owned by uid 65534/,
    );
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
  });

  it('notify-test --user runs the hook as that user', { skip }, async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const out = join(tempDir(), 'out');
    chmodSync(dirname(out), 0o777);
    const hook = join(dir, 'whoami');
    writeFileSync(hook, `#!/bin/sh\nid -u > '${out}'\n`, { mode: 0o755 });
    const r = await cliDone([
      'notify-test',
      '--host',
      '127.0.0.1',
      '--on-change',
      hook,
      '--user',
      'nobody',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(out, 'utf8'), '65534\n');
  });
});
