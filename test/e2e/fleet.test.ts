// `--prober fping` as a user meets it (docs/fleets.md): the built CLI, the real fping of Debian
// against loopback, and in a private network namespace a silent host, a network without a route
// and a name that does not resolve. Each test uses its own 127.0.x.y addresses, so the fping
// processes it looks for are its own.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { vantageOf } from '../../src/config/options.js';
import {
  cli,
  cliDone,
  fileArgs,
  has,
  isRoot,
  pairs,
  parseText,
  readLines,
  type TextLine,
  tempDir,
  waitFor,
} from '../helpers/cli.js';

const noFping = !has('fping') && 'fping is not installed (apt-get install fping; .ci/run does)';

/** The fping processes (not their shells) whose arguments include `host`. */
function fpingsFor(host: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0');
      if (argv[0]?.endsWith('/fping') && argv.includes(host)) found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`);

/** Each host's lines, checked to pair up as start and end with seq 1, 2, 3, …; its end lines. */
function endsByHost(lines: string[]): Map<string, TextLine[]> {
  const byHost = new Map<string, TextLine[]>();
  for (const line of lines.map(parseText)) {
    byHost.set(line.host, [...(byHost.get(line.host) ?? []), line]);
  }
  return new Map([...byHost].map(([host, own]) => [host, pairs(own)]));
}

function paths() {
  const dir = tempDir();
  return { dir, log: join(dir, 'ping.log'), pid: join(dir, 'd.pid') };
}

const events = (stderr: string): { msg: string; level: number; [k: string]: unknown }[] =>
  stderr
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

const endsOf = (log: string, host: string): number =>
  readLines(log).filter((l) => l.startsWith('end') && l.includes(` host=${host} `)).length;

describe('--prober fping', { skip: noFping }, () => {
  it('probes several hosts from one fping, at a fixed rate, with the same lines', async () => {
    const p = paths();
    const hosts = ['127.0.3.1', '127.0.3.2'];
    const run = cli([
      'run',
      ...fileArgs(p),
      ...['--prober', 'fping', '--host', hosts.join(','), '--interval', '100ms'],
    ]);
    try {
      await waitFor(
        '10 end lines per host',
        () => hosts.every((h) => endsOf(p.log, h) >= 10),
        15_000,
        run.stderr,
      );
      const fpings = fpingsFor('127.0.3.1');
      assert.equal(fpings.length, 1, 'one fping for both hosts');
      assert.deepEqual(fpingsFor('127.0.3.2'), fpings);
    } finally {
      run.child.kill('SIGTERM');
    }
    assert.deepEqual(await run.exit, { code: 0, signal: null });
    const byHost = endsByHost(readLines(p.log));
    assert.deepEqual([...byHost.keys()].sort(), hosts);
    for (const [host, ends] of byHost) {
      for (const end of ends)
        assert.match(end.rest, /^ status=up rtt_ms=\d+(\.\d+)? loss=0%$/, host);
      // fping keeps a fixed rate: the echo requests (the start lines' times) are 100 ms apart.
      const starts = readLines(p.log)
        .map(parseText)
        .filter((l) => l.event === 'start' && l.host === host)
        .map((l) => Date.parse(l.time));
      const mean = ((starts.at(-1) as number) - (starts[0] as number)) / (starts.length - 1);
      assert.ok(Math.abs(mean - 100) < 5, `${host}: mean gap ${mean} ms`);
    }
    const msgs = events(run.stderr()).map((e) => e.msg);
    assert.ok(msgs.includes('127.0.3.1 is up (2 probes with a reply)'), msgs.join('\n'));
    assert.equal(msgs.at(-1), 'stopped');
    assert.ok(!existsSync(p.pid));
    await waitFor('no fping left', () => fpingsFor('127.0.3.1').length === 0);
  });

  it('starts a killed fping again after a backoff, and the gap is in the log as errors', async () => {
    const p = paths();
    const run = cli([
      'run',
      ...fileArgs(p),
      ...['--prober', 'fping', '--host', '127.0.3.11', '--interval', '100ms'],
    ]);
    try {
      await waitFor('3 end lines', () => endsOf(p.log, '127.0.3.11') >= 3, 15_000, run.stderr);
      const [first] = fpingsFor('127.0.3.11');
      assert.ok(first !== undefined);
      process.kill(first, 'SIGKILL');
      const second = await waitFor(
        'another fping',
        () => fpingsFor('127.0.3.11').find((pid) => pid !== first),
        10_000,
        run.stderr,
      );
      const ups = endsOf(p.log, '127.0.3.11');
      await waitFor(
        'replies again',
        () => endsOf(p.log, '127.0.3.11') >= ups + 3,
        10_000,
        run.stderr,
      );
      assert.ok(alive(second));
    } finally {
      run.child.kill('SIGTERM');
    }
    await run.exit;
    const ends = pairs(readLines(p.log).map(parseText));
    const gap = ends.filter((e) => e.rest.includes('fping killed by SIGKILL'));
    assert.ok(gap.length >= 5, `about 10 ticks in the 1 s gap, got ${gap.length}`);
    for (const end of gap) assert.equal(end.rest, ' status=error error="fping killed by SIGKILL"');
    const msgs = events(run.stderr()).map((e) => e.msg);
    assert.ok(
      msgs.some((m) =>
        /^fping killed by SIGKILL; its 1 host \(127\.0\.3\.11\) get error lines until it starts again in 1s$/.test(
          m,
        ),
      ),
      msgs.join('\n'),
    );
    assert.ok(
      msgs.some((m) => /^fping for 1 host started again after \d+m?s without it$/.test(m)),
      msgs.join('\n'),
    );
  });

  it('leaves no probe process behind when the daemon is killed with SIGKILL', async () => {
    const p = paths();
    const started = await cliDone([
      'start',
      ...fileArgs(p),
      ...['--prober', 'fping', '--host', '127.0.3.21', '--interval', '100ms'],
    ]);
    assert.equal(started.code, 0, started.stderr);
    const daemon = Number(readFileSync(p.pid, 'utf8'));
    // start and status name the fleet prober.
    const said = `pinging 127.0.3.21 every 100ms with fping, logging to ${p.log}`;
    assert.equal(started.stdout, `ping-daemon started (pid ${daemon}): ${said}\n`);
    const status = await cliDone(['status', '--pid-file', p.pid]);
    assert.equal(
      status.stdout.split('\n')[1],
      `  ${said.replace(' with fping', ` with fping from ${vantageOf(undefined)}`)}`,
    );
    const fping = await waitFor('its fping', () => fpingsFor('127.0.3.21')[0]);
    const shells = readdirSync('/proc').filter((e) => {
      try {
        return (
          /^\d+$/.test(e) &&
          readFileSync(`/proc/${e}/stat`, 'latin1').split(') ')[1]?.split(' ')[1] === String(daemon)
        );
      } catch {
        return false;
      }
    });
    assert.ok(shells.length >= 1, 'the shell between the daemon and fping');
    process.kill(daemon, 'SIGKILL');
    await waitFor(
      'fping and its shell gone',
      () => ![fping, ...shells.map(Number)].some(alive),
      5000,
    );
  });

  it('adds and removes hosts at a reload without restarting the loops that keep theirs', async () => {
    const p = paths();
    const config = join(p.dir, 'ping-daemon.json');
    const configure = (hosts: string[]) =>
      writeFileSync(config, JSON.stringify({ hosts, interval: '100ms', prober: 'fping' }));
    configure(['127.0.3.31', '127.0.3.32']);
    const run = cli(['run', ...fileArgs(p), '--config', config]);
    try {
      await waitFor('lines of both', () => endsOf(p.log, '127.0.3.32') >= 3, 15_000, run.stderr);
      const [pair] = fpingsFor('127.0.3.31');
      assert.ok(pair !== undefined);

      configure(['127.0.3.31', '127.0.3.32', '127.0.3.33']);
      run.child.kill('SIGHUP');
      await waitFor(
        'lines of the new host',
        () => endsOf(p.log, '127.0.3.33') >= 3,
        15_000,
        run.stderr,
      );
      assert.deepEqual(fpingsFor('127.0.3.31'), [pair], 'the first loop was left alone');
      const [added] = fpingsFor('127.0.3.33');
      assert.ok(added !== undefined && added !== pair);

      configure(['127.0.3.31', '127.0.3.33']);
      run.child.kill('SIGHUP');
      await waitFor(
        '127.0.3.32 no longer probed',
        () => fpingsFor('127.0.3.32').length === 0,
        10_000,
        run.stderr,
      );
      const removedAt = endsOf(p.log, '127.0.3.32');
      const keptAt = endsOf(p.log, '127.0.3.31');
      await waitFor(
        'lines of the kept hosts',
        () => endsOf(p.log, '127.0.3.31') >= keptAt + 5,
        10_000,
        run.stderr,
      );
      assert.equal(endsOf(p.log, '127.0.3.32'), removedAt, 'no line for the removed host');
      assert.deepEqual(fpingsFor('127.0.3.33'), [added], "the added host's loop was left alone");
    } finally {
      run.child.kill('SIGTERM');
    }
    assert.equal((await run.exit).code, 0);
    // Every host's lines still pair up, across both reloads.
    const byHost = endsByHost(readLines(p.log));
    for (const ends of byHost.values()) for (const end of ends) assert.match(end.rest, /status=up/);
  });

  it('says in one line that fping is missing, naming the directory', async () => {
    const p = paths();
    const r = await cliDone([
      'start',
      ...fileArgs(p),
      ...['--prober', 'fping', '--host', '127.0.0.1', '--ping-dir', p.dir],
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `ping-daemon: fping not found in ${p.dir} (--ping-dir): no executable ${join(p.dir, 'fping')}\n`,
    );
    assert.ok(!existsSync(p.log));
  });
});

describe('--prober fping in a private network namespace', {
  skip: noFping || (!isRoot && 'needs root for unshare -n'),
}, () => {
  it('gives every tick an end line: a silent host, no route, a name that does not resolve', async () => {
    const p = paths();
    // Its own loopback, 10.99.0.0/24 routed into it (silent), no route at all to 10.10.0.1, and
    // no name server.
    const setup = 'ip link set lo up && ip route add 10.99.0.0/24 dev lo';
    const hosts = ['127.0.0.1', '10.99.0.1', '10.10.0.1', 'nosuch.invalid'];
    const run = cli(
      [
        'run',
        ...fileArgs(p),
        ...[
          '--prober',
          'fping',
          '--host',
          hosts.join(','),
          '--interval',
          '200ms',
          '--timeout',
          '150ms',
        ],
      ],
      { prefix: ['unshare', '-n', 'sh', '-c', `${setup} && exec "$@"`, 'sh'] },
    );
    try {
      await waitFor(
        '3 end lines for every host, and why 10.10.0.1 is silent',
        () =>
          hosts.every((h) => endsOf(p.log, h) >= 3) &&
          readLines(p.log).some((l) => /host=10\.10\.0\.1 .*network unreachable/.test(l)),
        20_000,
        run.stderr,
      );
    } finally {
      run.child.kill('SIGTERM');
    }
    assert.equal((await run.exit).code, 0);
    const byHost = endsByHost(readLines(p.log));
    const rests = (host: string) => new Set(byHost.get(host)?.map((e) => e.rest));
    assert.deepEqual(rests('10.99.0.1'), new Set([' status=down loss=100%']));
    // Silent at first; once fping has said nothing of it for 3 periods, the prober finds why.
    const noRoute = byHost.get('10.10.0.1')?.map((e) => e.rest) ?? [];
    assert.deepEqual(
      noRoute.slice(0, 3),
      Array(3).fill(' status=error error="echo request not sent"'),
    );
    const why = noRoute.findIndex((r) => r.includes('network unreachable'));
    assert.ok(
      noRoute.every((r, i) =>
        i < why
          ? r === ' status=error error="echo request not sent"'
          : r === ' status=error error="network unreachable"',
      ),
      noRoute.join('\n'),
    );
    assert.ok(
      [...rests('nosuch.invalid')].every((r) =>
        / status=error error="(name resolution failed|unknown host)"/.test(r),
      ),
      [...rests('nosuch.invalid')].join('\n'),
    );
    for (const r of rests('127.0.0.1')) assert.match(r, /^ status=up/);
    const msgs = events(run.stderr()).map((e) => e.msg);
    assert.ok(msgs.includes('10.99.0.1 is down (3 probes without reply)'), msgs.join('\n'));
  });
});
