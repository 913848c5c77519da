// Consolidated history and graphs of any range, as an operator meets them: `history rebuild` from
// rotated logs, `graph` over a week, the faults of a raw log, a planted link, and the daemon
// writing history that outlives a kill -9 and the log's deletion. rrdtool is Debian's (CI
// installs it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { cli, cliDone, fileArgs, has, killAtEnd, tempDir, waitFor } from '../helpers/cli.js';
import { writeSyntheticLog } from '../helpers/ping-log.js';

const DAY = 86_400_000;
const END = Date.parse('2026-11-30T12:00:00Z');
const hosts = ['a.test', 'b.test', 'c.test'];
const noRrdtool = 'rrdtool is missing (CI installs it: apt-get install rrdtool)';

/** A week of three hosts at 30 s in ping.log.2.gz, ping.log.1 and ping.log; b has a 20-minute outage. */
function week(dir: string): string {
  const log = join(dir, 'ping.log');
  const spec = {
    hosts,
    intervalMs: 30_000,
    loss: 0.005,
    outages: [{ host: 'b.test', from: END - 3 * DAY, to: END - 3 * DAY + 20 * 60_000 }],
  };
  writeSyntheticLog(`${log}.2`, { ...spec, start: END - 7 * DAY, end: END - 4 * DAY });
  writeFileSync(`${log}.2.gz`, gzipSync(readFileSync(`${log}.2`)));
  rmSync(`${log}.2`);
  writeSyntheticLog(`${log}.1`, { ...spec, start: END - 4 * DAY, end: END - DAY });
  writeSyntheticLog(log, { ...spec, start: END - DAY, end: END });
  return log;
}

/** The figures line of each panel: `host: availability …`. */
function figures(svg: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of svg.matchAll(
    /data-host="([^"]+)"><text class="title"[^>]*>[^<]*<\/text><text class="figures"[^>]*>([^<]*)</g,
  )) {
    out[m[1] as string] = m[2] as string;
  }
  return out;
}

describe('history rebuild and graph', () => {
  it('rebuilds a week from rotated and gzipped logs, and draws it as the raw log does', async (t) => {
    if (!has('rrdtool')) return t.skip(noRrdtool);
    const dir = tempDir();
    const log = week(dir);
    const rebuilt = await cliDone(['history', 'rebuild', '--log-file', log]);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.match(
      rebuilt.stderr,
      /history of 3 hosts rebuilt in .*ping-history from 3 files: 60480 probes/,
    );
    assert.deepEqual(readdirSync(join(dir, 'ping-history')).sort(), [
      'a.test.rrd',
      'b.test.rrd',
      'c.test.rrd',
    ]);
    const until = ['--until', '2026-11-30T12:00Z'];
    const aWeek = ['graph', '--log-file', log, '--since', '7d', ...until];
    const fromHistory = await cliDone(aWeek);
    assert.equal(fromHistory.code, 0, fromHistory.stderr);
    const fromLog = await cliDone([...aWeek, '--source', 'log']);
    assert.equal(fromLog.code, 0, fromLog.stderr);
    const h = figures(fromHistory.stdout);
    const l = figures(fromLog.stdout);
    assert.deepEqual(Object.keys(h), hosts, 'a panel per host, in name order');
    for (const host of hosts) {
      // The same availability and loss, read from either.
      const head = (s: string | undefined) => s?.split(' · median')[0];
      assert.equal(head(h[host]), head(l[host]), `${host}: ${h[host]} / ${l[host]}`);
    }
    // b's 20-minute outage is marked in both, a week wide.
    for (const svg of [fromHistory.stdout, fromLog.stdout]) {
      const b = svg.slice(svg.indexOf('data-host="b.test"'), svg.indexOf('data-host="c.test"'));
      assert.match(b, /class="outage"[^>]*fill-opacity="1"/);
    }
    // SmokePing's four ranges, and a year, from the history: the title says the real dates.
    for (const since of ['3h', '30h', '10d', '400d', '1y']) {
      const r = await cliDone([
        'graph',
        '--log-file',
        log,
        '--since',
        since,
        ...until,
        '-H',
        'a.*',
      ]);
      assert.equal(r.code, 0, `${since}: ${r.stderr}`);
      assert.match(r.stdout, /a\.test — \d{4}-\d\d-\d\d \d\d:\d\d to 2026-11-30 \d\d:00/);
      assert.doesNotMatch(r.stdout, /b\.test/);
    }
    // Many hosts, or --overview: one row each.
    const overview = await cliDone([...aWeek, '--overview']);
    assert.equal((overview.stdout.match(/<g class="host"/g) ?? []).length, 3);
  });

  it('names and skips a bad .gz, with a partial exit; refuses a missing log', async (t) => {
    const dir = tempDir();
    const log = week(dir);
    writeFileSync(`${log}.3.gz`, 'this is not gzip at all');
    renameSync(`${log}.2.gz`, `${log}.4.gz`); // .3 is now between .1 and .4: read
    renameSync(`${log}.3.gz`, `${log}.2.gz`);
    renameSync(`${log}.4.gz`, `${log}.3.gz`);
    const r = await cliDone([
      'graph',
      '--log-file',
      log,
      '--since',
      '30d',
      '--until',
      '2026-11-30T12:00Z',
      '--source',
      'log',
    ]);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, new RegExp(`skipped ${log}\\.2\\.gz: not valid gzip data`));
    assert.match(r.stdout, /data-host="a\.test"/, 'the other files are drawn');
    if (has('rrdtool')) {
      const rebuilt = await cliDone(['history', 'rebuild', '--log-file', log]);
      assert.equal(rebuilt.code, 5);
      assert.match(rebuilt.stderr, /skipped .*ping\.log\.2\.gz/);
    } else t.diagnostic(noRrdtool);
    const missing = await cliDone(['graph', '--log-file', join(dir, 'nope.log')]);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^ping-daemon: no ping log at .*nope\.log and no history beside it; name the log with --log-file\n$/,
    );
  });

  it('reads only the range from a big log, and survives a line without end', async () => {
    const dir = tempDir();
    const log = join(dir, 'ping.log');
    writeSyntheticLog(log, {
      hosts: ['a.test'],
      intervalMs: 10_000,
      start: END - 30 * DAY,
      end: END,
    });
    // 20 MB without a newline in the middle of the file's last day.
    const text = readFileSync(log, 'utf8');
    const cut = text.indexOf('\n', text.length - 4000) + 1;
    writeFileSync(log, `${text.slice(0, cut)}${'x'.repeat(20 * 1024 * 1024)}\n${text.slice(cut)}`);
    const r = await cliDone([
      'graph',
      '--log-file',
      log,
      '--since',
      '1h',
      '--until',
      '2026-11-30T12:00Z',
      '--source',
      'log',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /availability 100%/);
  });

  it('replaces the file -o names, and never writes through a planted link', async () => {
    const dir = tempDir();
    const log = join(dir, 'ping.log');
    writeSyntheticLog(log, { hosts: ['a.test'], intervalMs: 10_000, start: END - DAY, end: END });
    const victim = join(dir, 'shadow');
    writeFileSync(victim, 'root:x:0:0\n');
    const out = join(dir, 'g.svg');
    symlinkSync(victim, out);
    const args = ['graph', '--log-file', log, '--until', '2026-11-30T12:00Z', '-o', out];
    const refused = await cliDone(args);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^ping-daemon: cannot write .*g\.svg: it is a symbolic link; .*\n$/,
    );
    assert.equal(readFileSync(victim, 'utf8'), 'root:x:0:0\n');
    rmSync(out);
    const written = await cliDone(args);
    assert.equal(written.code, 0, written.stderr);
    assert.match(readFileSync(out, 'utf8'), /^<svg /);
    assert.deepEqual(readdirSync(dir).sort(), ['g.svg', 'ping.log', 'shadow']);
  });
});

describe('the daemon writes history', { concurrency: true }, () => {
  it('a minute at a time; a kill -9 and the log deleted leave it readable', {
    timeout: 150_000,
  }, async (t) => {
    if (!has('rrdtool')) return t.skip(noRrdtool);
    const dir = tempDir();
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const history = join(dir, 'p-history');
    const run = cli(['run', '--host', '127.0.0.1', '--interval', '200ms', ...fileArgs(files)]);
    if (run.child.pid) killAtEnd(run.child.pid);
    try {
      const file = join(history, '127.0.0.1.rrd');
      // The first minute is written once it (and 5 s of grace) has ended: at most 65 s away.
      await waitFor('a minute of history', () => existsSync(file), 70_000, run.stderr);
      const lastUpdate = Number(execFileSync('rrdtool', ['last', file], { encoding: 'utf8' }));
      assert.equal(lastUpdate % 60, 0, 'steps end on the minute');
      run.child.kill('SIGKILL');
      await run.exit;
      // Whatever the daemon was doing, the file is whole, and graphs read it without the log.
      execFileSync('rrdtool', ['info', file]);
      // A real ping on busy cores may miss its 160 ms; then the history rightly says less than 100 %.
      const allUp = readFileSync(files.log, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('end'))
        .every((l) => l.includes('status=up'));
      rmSync(files.log);
      const r = await cliDone([
        'graph',
        '--log-file',
        files.log,
        '--since',
        '1h',
        '--source',
        'history',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        allUp ? /127\.0\.0\.1 — .*availability 100%/s : /127\.0\.0\.1 — .*availability \d/s,
      );
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('ten hosts with history: minutes in turns, five at a time; a stop writes what it held', {
    timeout: 110_000,
  }, async (t) => {
    if (!has('rrdtool')) return t.skip(noRrdtool);
    if (!has('fping')) return t.skip('fping is missing (CI installs it: apt-get install fping)');
    const dir = tempDir();
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const history = join(dir, 'p-history');
    const hosts = Array.from({ length: 10 }, (_, i) => `127.0.12.${i + 1}`);
    // Ten minutes of these hosts, written into their files by `history rebuild`, as after an
    // earlier run: a host whose file is there waits for its turn from its first minute on.
    const ended = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
    writeSyntheticLog(files.log, { hosts, start: ended - 600_000, end: ended, intervalMs: 10_000 });
    const rebuilt = await cliDone(['history', 'rebuild', '--log-file', files.log]);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    const last = (): number[] =>
      hosts.map((h) =>
        Number(execFileSync('rrdtool', ['last', join(history, `${h}.rrd`)], { encoding: 'utf8' })),
      );
    const rebuiltTo = Math.max(...last());
    assert.ok(rebuiltTo <= ended / 1000, 'the files end with the log');
    // Every host is probed in the minute the daemon starts in: not in its last 15 s.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    const run = cli([
      'run',
      ...['--host', hosts.join(','), '--interval', '1s', '--prober', 'fping'],
      ...fileArgs(files),
    ]);
    if (run.child.pid) killAtEnd(run.child.pid);
    try {
      // That minute is closed 5 s after it ends (at most 65 s away); two hosts in ten write it
      // then, the others hold it for their turn.
      await waitFor(
        'the first minute written by the hosts whose turn it is',
        () => last().some((s) => s > rebuiltTo),
        75_000,
        run.stderr,
      );
      // rrdtool answers host by host: the second may come a moment after the first.
      const newest = Math.max(...last());
      await waitFor(
        'both hosts whose turn it is',
        () => last().filter((s) => s === newest).length >= 2,
        15_000,
        run.stderr,
      );
      const before = last();
      assert.equal(
        before.filter((s) => s === newest).length,
        2,
        `two hosts in ten write it, the others hold it: ${before.map((s) => s - rebuiltTo)}`,
      );
      const stopped = await cliDone(['stop', '--pid-file', files.pid]);
      assert.equal(stopped.code, 0, stopped.stderr);
      const after = last();
      assert.ok(
        after.every((s) => s >= newest),
        `after the stop every host has the minute it held: ${after.map((s) => s - rebuiltTo)}`,
      );
      assert.doesNotMatch(run.stderr(), /cannot write history/);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
