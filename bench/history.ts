// `npm run bench:history`: what history costs and what it buys (issue 27). Writes bench/HISTORY.md.
//   - `history rebuild` of a week of 10 hosts at 3 s (2 M probes): probes/s, peak RSS, disk;
//   - `graph` of SmokePing's four ranges at 10 hosts, from the history and from the raw log;
//   - `graph` of 1,000 hosts (an overview) over the same ranges from the history (1,000 copies of
//     one host's 400 days of minutes: reading costs the same whatever the values), and a day of
//     1,000 hosts from the raw log;
//   - the daemon's CPU and RSS with history and without (`--history-dir off`), at 100 and 1,000
//     hosts of 127.0.0.0/8 probed every second by the fleet prober, its rrdtool child included.
// QUICK=1 shortens the daemon windows and skips the 1,000-host log.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Tally } from '../src/graphs/tally.js';
import { historyFileName, STEP_S } from '../src/history/layout.js';
import { findRrdtool, HistoryStore } from '../src/history/store.js';
import { random, writeSyntheticLog } from '../test/helpers/ping-log.js';
import { loopbackHosts, treeCpuMs } from './fleet.js';
import { measure, rssMb } from './proc-stats.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const QUICK = process.env.QUICK === '1';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const END = Date.parse('2026-11-30T12:00:00Z');
const RANGES: [string, number][] = [
  ['3h', 3 * HOUR],
  ['30h', 30 * HOUR],
  ['10d', 10 * DAY],
  ['400d', 400 * DAY],
];
const say = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

interface GraphRow {
  hosts: number;
  range: string;
  source: string;
  seconds: number;
  peakMb: number;
}

async function graph(
  args: string[],
  hosts: number,
  range: string,
  source: string,
): Promise<GraphRow> {
  const r = await measure([
    'graph',
    '--until',
    new Date(END).toISOString(),
    '--since',
    range,
    ...args,
  ]);
  if (r.code !== 0) throw new Error(`graph ${args.join(' ')} exited ${r.code}`);
  return { hosts, range, source, seconds: r.ms / 1000, peakMb: r.peakMb };
}

/** One host's 400 days of minutes, written as the daemon would, in batches. */
async function yearOfMinutes(dir: string, rrdtool: string, host: string): Promise<void> {
  const store = new HistoryStore(dir, rrdtool);
  const rnd = random(3);
  const first = Math.floor((END - 400 * DAY) / 60_000) * 60 + STEP_S;
  let batch: { end: number; tally: Tally }[] = [];
  for (let end = first; end <= END / 1000; end += STEP_S) {
    const t = new Tally();
    for (let i = 0; i < 20; i++) t.add(rnd() < 0.005 ? undefined : 7 + rnd(), undefined);
    batch.push({ end, tally: t });
    if (batch.length === 1440) {
      await store.write(host, batch);
      batch = [];
    }
  }
  await store.write(host, batch);
  await store.close();
}

interface CostRow {
  hosts: number;
  history: boolean;
  seconds: number;
  cpuMsPerSecond: number;
  rssMb: number;
  rrdtoolRssMb: number;
}

function childrenNamed(pid: number, name: string): number[] {
  const out = execFileSync('pgrep', ['-P', String(pid), '-x', name], { encoding: 'utf8' }).trim();
  return out ? out.split('\n').map(Number) : [];
}

async function daemonCost(dir: string, hosts: string[], history: boolean): Promise<CostRow> {
  const name = `d${hosts.length}-${history ? 'on' : 'off'}`;
  const config = join(dir, `${name}.json`);
  writeFileSync(config, JSON.stringify({ hosts, interval: '1s', prober: 'fping' }));
  const pidFile = join(dir, `${name}.pid`);
  const args = [CLI, 'start', '--config', config, '--log-file', join(dir, `${name}.log`)];
  args.push('--pid-file', pidFile, '--service-log', join(dir, `${name}.svc`));
  if (!history) args.push('--history-dir', 'off');
  execFileSync(process.execPath, args);
  const pid = Number(execFileSync('cat', [pidFile], { encoding: 'utf8' }));
  try {
    // Settled past the first minute's write (which makes the files: 4 MB each, once), then whole
    // minutes from 15 s past one: each window holds the same number of history writes.
    await sleep(20_000);
    await sleep(75_000 - (Date.now() % 60_000));
    const seconds = QUICK ? 60 : 120;
    const before = treeCpuMs(pid);
    await sleep(seconds * 1000);
    const used = treeCpuMs(pid) - before;
    const rrd = history ? childrenNamed(pid, 'rrdtool') : [];
    return {
      hosts: hosts.length,
      history,
      seconds,
      cpuMsPerSecond: used / seconds,
      rssMb: rssMb(pid),
      rrdtoolRssMb: rrd.reduce((a, p) => a + rssMb(p), 0),
    };
  } finally {
    execFileSync(process.execPath, [CLI, 'stop', '--pid-file', pidFile]);
  }
}

async function main(): Promise<void> {
  const rrdtool = findRrdtool();
  if (!rrdtool) throw new Error('rrdtool is missing: apt-get install rrdtool');
  const dir = mkdtempSync(join(tmpdir(), 'pd-bench-history-'));
  const graphs: GraphRow[] = [];
  const notes: string[] = [];
  try {
    // A week of 10 hosts at 3 s, 0.5 % loss, spikes, an outage and a degraded day.
    const ten = Array.from({ length: 10 }, (_, i) => `host${i}.test`);
    const log = join(dir, 'ping.log');
    say('history: writing a week of 10 hosts');
    const probes = writeSyntheticLog(log, {
      hosts: ten,
      start: END - 7 * DAY,
      end: END,
      intervalMs: 3000,
      loss: 0.005,
      spikes: true,
      outages: [{ host: 'host3.test', from: END - 3 * DAY, to: END - 3 * DAY + 20 * 60_000 }],
      degraded: [{ host: 'host7.test', from: END - 2 * DAY, to: END - DAY }],
    });
    say('history: rebuild');
    const rebuild = await measure(['history', 'rebuild', '--log-file', log]);
    const perHost = statSync(join(dir, 'ping-history', historyFileName('host0.test'))).size;
    notes.push(
      `\`history rebuild\` of ${(statSync(log).size / 1e6).toFixed(0)} MB (${probes.toLocaleString('en')} probes, 10 hosts, 7 days at 3 s): ` +
        `${(rebuild.ms / 1000).toFixed(1)} s, **${Math.round(probes / (rebuild.ms / 1000)).toLocaleString('en')} probes/s**, peak RSS ${rebuild.peakMb.toFixed(0)} MB.`,
      `Disk: **${(perHost / 1e6).toFixed(2)} MB per host**, fixed from the first minute (100 hosts ${((perHost * 100) / 1e9).toFixed(2)} GB, 1,000 hosts ${((perHost * 1000) / 1e9).toFixed(1)} GB).`,
    );
    for (const [range] of RANGES) {
      say(`history: graph 10 hosts ${range}`);
      graphs.push(await graph(['--log-file', log], 10, range, 'history'));
      if (range !== '400d')
        graphs.push(await graph(['--log-file', log, '--source', 'log'], 10, range, 'raw log'));
    }
    // 1,000 hosts: one host's 400 days, copied.
    const big = join(dir, 'big-history');
    mkdirSync(big);
    say('history: 400 days of minutes for one host');
    await yearOfMinutes(big, rrdtool, 'h0000.test');
    const source = join(big, historyFileName('h0000.test'));
    for (let i = 1; i < 1000; i++) {
      copyFileSync(source, join(big, historyFileName(`h${String(i).padStart(4, '0')}.test`)));
    }
    for (const [range] of RANGES) {
      say(`history: graph 1000 hosts ${range}`);
      graphs.push(
        await graph(
          ['--log-file', join(dir, 'none.log'), '--history-dir', big],
          1000,
          range,
          'history',
        ),
      );
    }
    if (!QUICK) {
      const bigLog = join(dir, 'big.log');
      say('history: a day of 1000 hosts at 30 s');
      writeSyntheticLog(bigLog, {
        hosts: loopbackHosts(1000),
        start: END - DAY,
        end: END,
        intervalMs: 30_000,
        loss: 0.005,
      });
      for (const range of ['3h', '30h']) {
        graphs.push(await graph(['--log-file', bigLog, '--source', 'log'], 1000, range, 'raw log'));
      }
      rmSync(bigLog);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const costs: CostRow[] = [];
  const daemonDir = mkdtempSync(join(tmpdir(), 'pd-bench-history-d-'));
  try {
    for (const n of [100, 1000]) {
      for (const history of [false, true]) {
        say(`history: daemon, ${n} hosts, history ${history ? 'on' : 'off'}`);
        costs.push(await daemonCost(daemonDir, loopbackHosts(n), history));
      }
    }
  } finally {
    rmSync(daemonDir, { recursive: true, force: true });
  }
  const f = (n: number, d = 1): string => n.toFixed(d);
  const out = [
    '# History and graphs of any range (`npm run bench:history`)',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on this machine: ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores, Node ${process.version}, ${execFileSync('rrdtool', { encoding: 'utf8' }).split('\n')[0]?.split('  ')[0]}.`,
    '',
    ...notes.map((n) => `- ${n}`),
    '',
    '## `graph`: time and peak RSS',
    '',
    'The 10 hosts: the rebuilt week (ranges reaching further back draw empty days from the archive). The 1,000 hosts: an overview, from 1,000 files of 400 days each; the raw log of 1,000 hosts holds a day at 30 s (2.9 M lines).',
    '',
    '| hosts | range | source | seconds | peak RSS MB |',
    '|---|---|---|---|---|',
    ...graphs.map(
      (g) => `| ${g.hosts} | ${g.range} | ${g.source} | ${f(g.seconds, 2)} | ${f(g.peakMb, 0)} |`,
    ),
    '',
    '## The daemon with and without history',
    '',
    "`--prober fping`, every second, hosts of 127.0.0.0/8; CPU of the whole process tree (daemon, fping, rrdtool) over whole minutes after the first minute was written, each window holding the same number of history writes. The first write makes each host's file (4 MB written, about 7 ms of rrdtool per host, once).",
    '',
    '| hosts | history | window s | CPU ms/s | daemon RSS MB | rrdtool RSS MB |',
    '|---|---|---|---|---|---|',
    ...costs.map(
      (c) =>
        `| ${c.hosts} | ${c.history ? 'on' : 'off'} | ${c.seconds} | ${f(c.cpuMsPerSecond)} | ${f(c.rssMb, 0)} | ${c.history ? f(c.rrdtoolRssMb, 1) : ''} |`,
    ),
    '',
  ];
  for (const n of [100, 1000]) {
    const off = costs.find((c) => c.hosts === n && !c.history);
    const on = costs.find((c) => c.hosts === n && c.history);
    if (off && on) {
      out.push(
        `- ${n} hosts: history costs ${f(on.cpuMsPerSecond - off.cpuMsPerSecond, 2)} ms/s of CPU, ${f(((on.cpuMsPerSecond - off.cpuMsPerSecond) / off.cpuMsPerSecond) * 100)} % of the probing (target: under 10 %).`,
      );
    }
  }
  writeFileSync(fileURLToPath(new URL('./HISTORY.md', import.meta.url)), `${out.join('\n')}\n`);
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
