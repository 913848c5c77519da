// Many hosts and the Prometheus endpoint, scraped while the daemon runs against loopback.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../../src/paths.js';
import type { HostStats } from '../../src/probing/service.js';
import {
  CLI,
  cli,
  cliDone,
  fileArgs,
  fixture,
  freePort,
  has,
  isRoot,
  readLines,
  statusUntil,
  tempDir,
  waitFor,
  withoutVantage,
} from '../helpers/cli.js';

const hasPromtool = has('promtool');

async function get(url: string): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

/** `name{labels} value` lines of an exposition, as a map from `name{labels}` to value. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of withoutVantage(text).split('\n')) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) map.set(m[1] as string, Number(m[2]));
  }
  return map;
}

const endLines = (log: string, host: string) =>
  readLines(log).filter((l) => l.startsWith('end') && l.includes(` host=${host} `)).length;

describe('metrics', () => {
  it('serves valid Prometheus metrics whose counters match the log', async () => {
    const dir = tempDir();
    const log = join(dir, 'p.log');
    const port = await freePort();
    const run = cli([
      'run',
      '--host',
      '127.0.0.1',
      '--host',
      '::1',
      '--interval',
      '300ms',
      '--metrics-listen',
      `127.0.0.1:${port}`,
      ...['--vantage', 'lab-1'],
      ...fileArgs({ log, pid: join(dir, 'd.pid') }),
    ]);
    try {
      await waitFor(
        'probes of both hosts',
        () => endLines(log, '127.0.0.1') >= 3 && endLines(log, '::1') >= 3,
      );
      const m = await get(`http://127.0.0.1:${port}/metrics`);
      const logged = { v4: endLines(log, '127.0.0.1'), v6: endLines(log, '::1') };
      assert.equal(m.status, 200);
      assert.match(m.type ?? '', /^text\/plain; version=0\.0\.4/);
      const s = samples(m.text);
      for (const [host, count] of [
        ['127.0.0.1', logged.v4],
        ['::1', logged.v6],
      ] as const) {
        const probes = s.get(`ping_probes_total{host="${host}",status="up"}`) as number;
        assert.ok(
          probes >= count - 1 && probes <= count,
          `${host}: ${probes} probes counted, ${count} logged`,
        );
        assert.equal(s.get(`ping_up{host="${host}"}`), 1);
        assert.equal(s.get(`ping_loss_ratio{host="${host}"}`), 0);
        assert.equal(s.get(`ping_rtt_seconds_count{host="${host}"}`), probes);
        assert.ok((s.get(`ping_rtt_seconds_sum{host="${host}"}`) as number) > 0);
        assert.ok(
          Math.abs(
            (s.get(`ping_last_probe_timestamp_seconds{host="${host}"}`) as number) -
              Date.now() / 1000,
          ) < 5,
        );
      }
      assert.ok(s.has('process_resident_memory_bytes'), 'default process metrics');
      // Every sample, process metrics too, says where it was measured from.
      const unlabelled = m.text
        .split('\n')
        .filter((l) => /^[a-z]/.test(l) && !l.includes('vantage="lab-1"'));
      assert.deepEqual(unlabelled, []);
      assert.equal(s.get(`ping_daemon_info{version="${packageVersion()}",prober="ping"}`), 1);
      for (const host of ['127.0.0.1', '::1']) {
        const sent = s.get(`ping_packets_sent_total{host="${host}"}`) as number;
        assert.ok(sent >= 3, `${host}: ${sent} sent`);
        assert.equal(s.get(`ping_packets_received_total{host="${host}"}`), sent);
      }
      assert.ok(s.has('nodejs_eventloop_lag_seconds'));
      if (hasPromtool) {
        const check = spawnSync('promtool', ['check', 'metrics'], {
          input: m.text,
          encoding: 'utf8',
        });
        assert.equal(check.status, 0, check.stdout + check.stderr);
      }
      assert.deepEqual(await get(`http://127.0.0.1:${port}/healthz`), {
        status: 200,
        text: 'ok\n',
        type: 'text/plain',
      });
      assert.equal((await get(`http://127.0.0.1:${port}/nope`)).status, 404);
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });

  it('pings 50 hosts in 127.0.0.0/8 every 200ms, each on its own schedule', async () => {
    const dir = tempDir();
    const log = join(dir, 'p.log');
    const pid = join(dir, 'd.pid');
    const hosts = Array.from({ length: 50 }, (_, i) => `127.0.0.${i + 1}`);
    const start = await cliDone([
      'start',
      '--host',
      hosts.join(','),
      '--interval',
      '200ms',
      ...fileArgs({ log, pid, svc: join(dir, 's.log') }),
    ]);
    assert.equal(start.code, 0, start.stderr);
    assert.match(
      start.stdout,
      /pinging 50 hosts \(127\.0\.0\.1, 127\.0\.0\.2, 127\.0\.0\.3, \.\.\.\) every 200ms/,
    );
    let perHost: HostStats[] = [];
    try {
      // Every host runs on its own schedule and every probe of it is counted: each reaches 5
      // probes, as `status` (the state file) shows, a second or so behind the daemon.
      const state = await statusUntil(
        pid,
        '5 probes of every host in status',
        (state) => {
          const hosts = Object.values(state.stats.hosts) as HostStats[];
          return hosts.length === 50 && hosts.every((h) => h.probes >= 5);
        },
        20_000,
      );
      perHost = Object.values(state.stats.hosts) as HostStats[];
    } finally {
      await cliDone(['stop', '--pid-file', pid]);
    }
    // Whether no tick is ever skipped, and no ping misses its 160 ms, is a matter of CPU,
    // measured by the benchmark (300 hosts at 1 s, 0 skipped: bench/RESULTS.md), not asserted
    // here on a shared machine: every probe is counted once, by its result, and each host answers.
    for (const h of perHost) {
      assert.equal(h.up + h.down + h.error, h.probes, JSON.stringify(h));
      assert.ok(h.up >= 1, JSON.stringify(h));
    }
  });

  it('adds and removes hosts on reload, keeping the others going', async () => {
    const dir = tempDir();
    const log = join(dir, 'p.log');
    const pid = join(dir, 'd.pid');
    const config = join(dir, 'c.json');
    const port = await freePort();
    writeFileSync(
      config,
      JSON.stringify({
        hosts: ['127.0.0.1', '127.0.0.2'],
        interval: '100ms',
        metricsListen: `127.0.0.1:${port}`,
      }),
    );
    const start = await cliDone([
      'start',
      '-c',
      config,
      ...fileArgs({ log, pid, svc: join(dir, 's.log') }),
    ]);
    assert.equal(start.code, 0, start.stderr);
    try {
      await waitFor('probes', () => endLines(log, '127.0.0.2') >= 3);
      writeFileSync(
        config,
        JSON.stringify({
          hosts: ['127.0.0.1', { host: '127.0.0.3', interval: '200ms' }],
          interval: '100ms',
          metricsListen: `127.0.0.1:${port}`,
        }),
      );
      assert.equal((await cliDone(['reload', '--pid-file', pid])).code, 0);
      await waitFor('the new host', () => endLines(log, '127.0.0.3') >= 3);
      // The removed host's last probe, in flight at the reload, may still end after it.
      const before = endLines(log, '127.0.0.2');
      await waitFor('more of the new host', () => endLines(log, '127.0.0.3') >= 6);
      const s = samples((await get(`http://127.0.0.1:${port}/metrics`)).text);
      assert.ok(s.has('ping_up{host="127.0.0.3"}'));
      assert.ok(
        ![...s.keys()].some((k) => k.includes('127.0.0.2')),
        'no series left for the removed host',
      );
      assert.equal(endLines(log, '127.0.0.2'), before, 'the removed host is no longer pinged');
    } finally {
      await cliDone(['stop', '--pid-file', pid]);
    }
    // 127.0.0.1 kept its schedule: its sequence numbers never restarted.
    const seqs = readLines(log)
      .filter((l) => l.startsWith('start') && l.includes(' host=127.0.0.1 '))
      .map((l) => Number(/seq=(\d+)/.exec(l)?.[1]));
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i + 1),
    );
  });

  it('refuses a port in use with one line, leaving no daemon behind', async () => {
    const dir = tempDir();
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const { port } = blocker.address() as { port: number };
    try {
      const pid = join(dir, 'd.pid');
      for (const command of ['start', 'run']) {
        const r = await cliDone([
          command,
          '--host',
          '127.0.0.1',
          '--metrics-listen',
          `127.0.0.1:${port}`,
          ...fileArgs({ log: join(dir, 'p.log'), pid, svc: join(dir, 's.log') }),
        ]);
        assert.equal(r.code, 1);
        assert.equal(
          r.stderr,
          `ping-daemon: cannot listen on 127.0.0.1:${port}: address already in use; choose another with --metrics-listen\n`,
        );
        assert.ok(!existsSync(pid));
        assert.ok(
          !existsSync(join(dir, 'p.log')),
          `${command}: a failed start leaves an empty log`,
        );
        assert.ok(!existsSync(join(dir, 's.log')), `${command}: and an empty service log`);
      }
    } finally {
      blocker.close();
    }
    const bad = await cliDone(['run', '--host', '127.0.0.1', '--metrics-listen', '9469']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--metrics-listen must be ADDRESS:PORT like `127.0.0.1:9469`/);
  });
});

const CONFIG = fileURLToPath(new URL('../../config/', import.meta.url));

describe('the shipped alert rules', () => {
  it('pass their promtool unit tests', {
    skip: !hasPromtool && 'needs promtool (CI installs prometheus)',
  }, () => {
    const r = spawnSync('promtool', ['test', 'rules', 'ping-daemon.rules.test.yml'], {
      cwd: CONFIG,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
  });

  it('a real Prometheus scrapes the daemon and loads the rules', {
    skip: !isRoot
      ? 'needs root for a private network namespace (CI runs it)'
      : !has('prometheus') && 'needs prometheus (CI installs it)',
    timeout: 60_000,
  }, () => {
    const dir = tempDir();
    const r = spawnSync(
      'unshare',
      [
        '-n',
        '--',
        process.execPath,
        fixture('prometheus-scrape.mjs'),
        CLI,
        join(CONFIG, 'ping-daemon.rules.yml'),
        dir,
      ],
      { encoding: 'utf8', timeout: 55_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.error, undefined, r.stdout);
    assert.deepEqual(result.up, [{ host: '127.0.0.1', value: '1' }]);
    assert.ok(result.rate > 1, `rate ${result.rate}/s at a 200 ms interval`);
    assert.ok(result.rttCount > 0);
    assert.deepEqual(
      result.rules,
      [
        'ping_host:vantages_down:count',
        'ping_host:vantages:count',
        'ping_host:down_by_quorum',
        'host_vantage:ping_packet_loss:ratio_rate5m',
        'vantage:ping_daemon_last_seen:timestamp',
        'PingHostDown',
        'PingPathProblem',
        'PingVantageDown',
        'PingNoVantage',
        'PingProbesStale',
      ].map((name) => ({ name, health: 'ok' })),
    );
  });
});
