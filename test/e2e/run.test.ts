// `ping-daemon run` as a user meets it: the built CLI, real ping against loopback, stand-in
// pings for the cases loopback cannot produce, signals from outside.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  ANSWER_OR_TIMEOUT,
  cli,
  fileArgs,
  fixture,
  hangingPing,
  isRoot,
  pairs,
  parseText,
  readLines,
  tempDir,
  waitFor,
} from '../helpers/cli.js';

const hasIpv6Loopback =
  existsSync('/proc/net/if_inet6') && readFileSync('/proc/net/if_inet6', 'latin1').includes(' lo');

function paths() {
  const dir = tempDir();
  return { dir, log: join(dir, 'ping.log'), pid: join(dir, 'd.pid') };
}

/** Starts `run`, waits for `ends` end lines, stops it with SIGTERM; returns everything. */
async function runFor(
  args: string[],
  ends: number,
  extra: { env?: NodeJS.ProcessEnv; prefix?: string[] } = {},
) {
  const p = paths();
  const run = cli(['run', ...fileArgs(p), ...args], extra);
  await waitFor('the PID file', () => existsSync(p.pid));
  assert.equal(readFileSync(p.pid, 'utf8'), `${run.child.pid}\n`);
  await waitFor(
    `${ends} end lines`,
    () => readLines(p.log).filter((l) => /^end|"end"/.test(l)).length >= ends,
    10_000,
  );
  run.child.kill('SIGTERM');
  const exit = await run.exit;
  return { ...p, run, exit, lines: readLines(p.log), events: serviceEvents(run.stderr()) };
}

function serviceEvents(stderr: string): { msg: string; level: number; [k: string]: unknown }[] {
  return stderr
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('run', () => {
  it('pings 127.0.0.1 every 100 ms and stops cleanly on SIGTERM', async () => {
    const r = await runFor(['--host', '127.0.0.1', '--interval', '100ms'], 8);
    assert.deepEqual(r.exit, { code: 0, signal: null });
    const ends = pairs(r.lines.map(parseText));
    assert.ok(ends.length >= 8);
    for (const end of ends) {
      assert.equal(end.host, '127.0.0.1');
      // A real ping on busy cores may miss its 80 ms: the daemon then says so.
      assert.match(end.rest, ANSWER_OR_TIMEOUT);
    }
    assert.ok(ends.some((e) => e.rest.startsWith(' status=up')));
    // Fixed rate: the start lines are 100 ms apart on average, unless the daemon says it skipped
    // or missed ticks (a probe still running, a process not run on time: busy cores).
    const starts = r.lines
      .map(parseText)
      .filter((l) => l.event === 'start')
      .map((l) => Date.parse(l.time));
    const mean = ((starts.at(-1) as number) - (starts[0] as number)) / (starts.length - 1);
    const late = r.events.filter((e) => /^(tick skipped|ticks missed)/.test(e.msg));
    if (late.length === 0) assert.ok(Math.abs(mean - 100) < 15, `mean gap ${mean} ms`);
    else assert.ok(mean >= 85, `mean gap ${mean} ms with ${late.length} late ticks told`);
    assert.ok(!existsSync(r.pid), 'PID file removed');
    const msgs = r.events.map((e) => e.msg);
    assert.equal(msgs[0], 'started');
    assert.ok(msgs.includes('127.0.0.1 is up (2 probes with a reply)'), msgs.join('\n'));
    assert.equal(msgs.at(-1), 'stopped');
    assert.ok(r.events.length < 8, 'events, not one service-log line per tick');
  });

  it('pings ::1 and writes the json format', {
    skip: !hasIpv6Loopback && 'no IPv6 loopback here',
  }, async () => {
    const r = await runFor(['--host', '::1', '--interval', '100ms', '--format', 'json'], 4);
    assert.equal(r.exit.code, 0);
    const objects = r.lines.map((l) => JSON.parse(l));
    objects.forEach((o, i) => {
      assert.equal(o.event, i % 2 === 0 ? 'start' : 'end');
      assert.equal(o.seq, Math.floor(i / 2) + 1);
      assert.equal(o.host, '::1');
      assert.match(o.time, /Z$/);
      if (o.event === 'end' && o.status === 'error') {
        // A real ping on busy cores may miss its 80 ms: the daemon then says so.
        assert.equal(o.error, 'timeout');
      } else if (o.event === 'end') {
        assert.equal(o.status, 'up');
        assert.equal(typeof o.rtt_ms, 'number');
        assert.equal(o.loss_pct, 0);
        assert.equal(typeof o.duration_ms, 'number');
      }
    });
  });

  it("writes the tutorial's classic lines", async () => {
    const r = await runFor(
      ['--host', '127.0.0.1', '--interval', '100ms', '--format', 'classic'],
      2,
    );
    assert.equal(r.exit.code, 0);
    r.lines.forEach((line, i) => {
      const prefix = i % 2 === 0 ? 'start time---------:' : 'end of time--------:';
      assert.match(
        line,
        new RegExp(`^${prefix}[A-Z][a-z]{2} [A-Z][a-z]{2} [ 123]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}$`),
      );
    });
  });

  it('lets the probe in flight finish and write its end line on SIGTERM', async () => {
    const p = paths();
    const run = cli([
      'run',
      '--host',
      '127.0.0.1',
      '--interval',
      '2s',
      '--timeout',
      '1500ms',
      '--ping-dir',
      fixture('ping-slow'),
      ...fileArgs(p),
    ]);
    await waitFor('the start line', () => readLines(p.log).length === 1);
    run.child.kill('SIGTERM');
    const exit = await run.exit;
    assert.equal(exit.code, 0);
    const ends = pairs(readLines(p.log).map(parseText));
    assert.deepEqual(
      ends.map((e) => e.rest),
      [' status=up rtt_ms=500 loss=0%'],
    );
    assert.ok(!existsSync(p.pid));
  });

  it('exits at once on a second SIGTERM, still pairing the lines and removing the PID file', async () => {
    const p = paths();
    const stand = hangingPing(p.dir);
    const run = cli([
      'run',
      '--host',
      '127.0.0.1',
      '--interval',
      '20s',
      '--timeout',
      '15s',
      '--ping-dir',
      stand.pingDir,
      ...fileArgs(p),
    ]);
    await waitFor('the start line', () => readLines(p.log).length === 1);
    run.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    run.child.kill('SIGTERM');
    const exit = await run.exit;
    assert.equal(exit.code, 0);
    const ends = pairs(readLines(p.log).map(parseText));
    assert.deepEqual(
      ends.map((e) => e.rest),
      [' status=error error="stopped by shutdown"'],
    );
    assert.ok(!existsSync(p.pid));
    await waitFor('the stand-in ping to be gone', () => stand.running().length === 0);
  });

  it('kills a ping that hangs past its timeout, reports it, and keeps the schedule', async () => {
    const stand = hangingPing(tempDir());
    const r = await runFor(
      [
        '--host',
        '127.0.0.1',
        '--interval',
        '200ms',
        '--timeout',
        '100ms',
        '--ping-dir',
        stand.pingDir,
      ],
      3,
    );
    const ends = pairs(r.lines.map(parseText));
    for (const end of ends) assert.equal(end.rest, ' status=error error="timeout"');
    const starts = r.lines.map(parseText).filter((l) => l.event === 'start');
    assert.equal(starts.length, ends.length, 'no tick skipped: each probe ended before the next');
    await waitFor('no stand-in ping left', () => stand.running().length === 0);
  });

  it('reports garbage output as an error', async () => {
    const garbage = ['--ping-dir', fixture('ping-garbage')];
    const r = await runFor(
      // A timeout a loaded machine cannot run out before the stand-in has spoken (CI, Node 22:
      // 80 ms did).
      [...['--host', '127.0.0.1', '--interval', '1s', '--timeout', '900ms'], ...garbage],
      2,
    );
    for (const end of pairs(r.lines.map(parseText)))
      assert.equal(end.rest, ' status=error error="unparseable ping output"');
  });

  it('reports a name that does not resolve as unknown host', async () => {
    const r = await runFor(
      ['--host', 'nosuch.test', '--interval', '300ms', '--ping-dir', fixture('ping-unknown-host')],
      3,
    );
    // The stand-in (a shell script) may miss its 240 ms on busy cores: the daemon then says the
    // time went on name resolution, which is also true.
    const ends = pairs(r.lines.map(parseText)).map((e) => e.rest);
    for (const rest of ends) {
      assert.match(rest, /^ status=error error="(unknown host|timeout \(name resolution\))"$/);
    }
    assert.ok(ends.includes(' status=error error="unknown host"'), ends.join('\n'));
    // Told once the host counts as down: three probes, each an unknown host.
    const down = r.events.find((e) => e.msg.startsWith('nosuch.test is down ('));
    assert.equal(down?.level, 40, JSON.stringify(r.events.map((e) => e.msg)));
    if (ends.slice(0, 3).every((rest) => rest.includes('"unknown host"'))) {
      assert.equal(down?.msg, 'nosuch.test is down (unknown host (3 probes))');
    }
  });

  it('follows the log to a new file when it is renamed, losing no line', async () => {
    const p = paths();
    const run = cli(['run', '--host', '127.0.0.1', '--interval', '50ms', ...fileArgs(p)]);
    await waitFor('some lines', () => readLines(p.log).length >= 6);
    renameSync(p.log, `${p.log}.1`);
    await waitFor('a new file', () => readLines(p.log).length >= 6);
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
    const all = [...readLines(`${p.log}.1`), ...readLines(p.log)].map(parseText);
    pairs(all);
  });

  it('reloads the config file on SIGHUP and keeps the old one when the new is bad', async () => {
    const p = paths();
    const config = join(p.dir, 'config.json');
    writeFileSync(config, JSON.stringify({ host: '127.0.0.1', interval: '100ms' }));
    const run = cli(['run', '-c', config, ...fileArgs(p)]);
    await waitFor('lines', () => readLines(p.log).length >= 2);
    writeFileSync(config, JSON.stringify({ host: '127.0.0.2', interval: '50ms', format: 'json' }));
    run.child.kill('SIGHUP');
    await waitFor(
      'json lines',
      () => readLines(p.log).filter((l) => l.startsWith('{')).length >= 4,
    );
    writeFileSync(config, '{"interval": "never"}');
    run.child.kill('SIGHUP');
    await waitFor('the failed reload', () => run.stderr().includes('reload failed'));
    const before = readLines(p.log).length;
    await waitFor('more lines', () => readLines(p.log).length >= before + 4);
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
    const json = readLines(p.log)
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    assert.ok(json.every((o) => o.host === '127.0.0.2'));
    const events = serviceEvents(run.stderr());
    const reloaded = events.find((e) => e.msg === 'reloaded');
    assert.ok(reloaded);
    assert.deepEqual(reloaded.changed, {
      added: ['127.0.0.2'],
      removed: ['127.0.0.1'],
      changed: ['format'],
    });
    assert.match(
      events.find((e) => e.msg.startsWith('reload failed'))?.msg ?? '',
      /interval must be a positive duration/,
    );
  });
});

describe('run in a private network namespace', {
  skip: !isRoot && 'needs root for unshare -n',
}, () => {
  // The namespace has its own loopback and nothing else: no packet can leave it (docs/testing.md).
  const inNamespace = (setup: string) => ({
    prefix: ['unshare', '-n', 'sh', '-c', `${setup} && exec "$@"`, 'sh'],
  });

  it('reports a silent host as down with 100% loss', async () => {
    const silent = inNamespace('ip link set lo up && ip route add 10.99.0.0/24 dev lo');
    const r = await runFor(
      // A timeout long enough that ping's own exit, late on a loaded machine, is not a hang.
      ['--host', '10.99.0.1', '--interval', '500ms', '--timeout', '300ms'],
      3,
      silent,
    );
    assert.equal(r.exit.code, 0);
    for (const end of pairs(r.lines.map(parseText)))
      assert.equal(end.rest, ' status=down loss=100%');
    assert.ok(
      r.events.some(
        (e) => e.msg === '10.99.0.1 is down (3 probes without reply)' && e.level === 40,
      ),
    );
  });

  it('reports network unreachable', async () => {
    const r = await runFor(['--host', '10.99.0.1', '--interval', '100ms'], 2, inNamespace('true'));
    for (const end of pairs(r.lines.map(parseText)))
      assert.equal(end.rest, ' status=error error="network unreachable"');
  });
});
