// npm run bench: what a tick costs, how precisely ticks keep time, memory, start and stop, and
// scale, for ping-daemon and, in the same run, for the floor and its peers. Pings 127.0.0.0/8
// only (docs/testing.md). Prints a table; writes bench/results.json and bench/RESULTS.md.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { statFields } from '../src/lifecycle/proc.js';
import { parseLogLine } from '../src/ping-log/format.js';
import { type FleetResult, fleetBench, fleetMarkdown } from './fleet.js';
import { percentile, rssMb, table } from './proc-stats.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
const quick = process.env.BENCH_QUICK === '1';
const scale = (n: number): number => (quick ? Math.max(20, Math.round(n / 10)) : n);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'pd-bench-'));
let serial = 0;

interface Cpu {
  selfMs: number;
  childrenMs: number;
}

/** utime+stime and cutime+cstime of a process, in ms. */
function cpu(pid: number): Cpu {
  const f = statFields(pid).map(Number);
  const ms = (ticks: number) => (ticks * 1000) / CLK_TCK;
  return { selfMs: ms((f[11] ?? 0) + (f[12] ?? 0)), childrenMs: ms((f[13] ?? 0) + (f[14] ?? 0)) };
}

function startLines(log: string): number {
  try {
    return readFileSync(log, 'latin1')
      .split('\n')
      .filter((l) => l.startsWith('start')).length;
  } catch {
    return 0;
  }
}

async function untilTicks(log: string, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (startLines(log) < n) {
    if (Date.now() > deadline) throw new Error(`only ${startLines(log)} of ${n} ticks in ${log}`);
    await sleep(50);
  }
}

const cliRun = (...args: string[]) =>
  execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

/** Starts ping-daemon in the background; returns its PID and log. */
function startDaemon(args: string[]): { pid: number; log: string; pidFile: string } {
  const n = serial++;
  const log = join(dir, `ours-${n}.log`);
  const pidFile = join(dir, `ours-${n}.pid`);
  cliRun(
    'start',
    ...args,
    '--log-file',
    log,
    '--pid-file',
    pidFile,
    '--service-log',
    join(dir, `ours-${n}.svc`),
  );
  return { pid: Number(readFileSync(pidFile, 'utf8')), log, pidFile };
}

interface Contender {
  name: string;
  start(intervalMs: number): { pid: number; log: string; stop(): void };
}

const contenders: Contender[] = [
  {
    name: 'ping-daemon',
    start: (intervalMs) => {
      const d = startDaemon(['--host', '127.0.0.1', '--interval', `${intervalMs}ms`]);
      return { ...d, stop: () => cliRun('stop', '--pid-file', d.pidFile) };
    },
  },
  ...(
    [
      [
        'floor (15-line Node loop)',
        process.execPath,
        (i: number, log: string) => [join(HERE, 'peers/floor.mjs'), '127.0.0.1', String(i), log],
      ],
      [
        'shell loop of ping -c1',
        'bash',
        (i: number, log: string) => [
          join(HERE, 'peers/loop.sh'),
          '127.0.0.1',
          String(i / 1000),
          log,
        ],
      ],
      [
        'tutorial (Python 3)',
        'python3',
        (i: number, log: string) => [
          join(HERE, 'peers/tutorial.py'),
          '127.0.0.1',
          String(i / 1000),
          log,
        ],
      ],
    ] as const
  ).map(
    ([name, command, args]): Contender => ({
      name,
      start: (intervalMs) => {
        const log = join(dir, `peer-${serial++}.log`);
        const child: ChildProcess = spawn(command, args(intervalMs, log), {
          stdio: 'ignore',
          cwd: HERE,
        });
        return { pid: child.pid as number, log, stop: () => child.kill('SIGKILL') };
      },
    }),
  ),
];

interface TickCost {
  name: string;
  ticks: number;
  selfMsPerTick: number;
  childrenMsPerTick: number;
  totalMsPerTick: number;
}

/** CPU per tick over `ticks` ticks after a warm-up, at a 10 ms interval. */
async function tickCost(c: Contender, ticks: number): Promise<TickCost> {
  const run = c.start(10);
  try {
    await untilTicks(run.log, 50, 20_000);
    const t0 = startLines(run.log);
    const before = cpu(run.pid);
    await untilTicks(run.log, t0 + ticks, 120_000);
    const after = cpu(run.pid);
    const n = startLines(run.log) - t0;
    const self = (after.selfMs - before.selfMs) / n;
    const children = (after.childrenMs - before.childrenMs) / n;
    return {
      name: c.name,
      ticks: n,
      selfMsPerTick: self,
      childrenMsPerTick: children,
      totalMsPerTick: self + children,
    };
  } finally {
    run.stop();
  }
}

interface Precision {
  intervalMs: number;
  ticks: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Median error of the last 10 % of ticks minus that of the first 10 %. */
  driftMs: number;
}

/** Each start line's time minus t0 + k·interval, from the log. */
function precisionOf(log: string, intervalMs: number): Precision {
  const starts = readFileSync(log, 'utf8')
    .split('\n')
    .map(parseLogLine)
    .filter((e) => e?.event === 'start' && e.time && e.seq !== undefined) as {
    time: Date;
    seq: number;
  }[];
  // Each start line belongs to the grid slot nearest it (a skipped tick leaves its slot empty);
  // the ideal grid is the earliest one every tick is on or after.
  const first = (starts[0] as { time: Date }).time.getTime();
  const offsets = starts.map((e) => {
    const t = e.time.getTime();
    return t - Math.round((t - first) / intervalMs) * intervalMs;
  });
  const t0 = Math.min(...offsets);
  const errors = offsets.map((o) => o - t0);
  const tenth = Math.max(1, Math.floor(errors.length / 10));
  return {
    intervalMs,
    ticks: errors.length,
    p50Ms: percentile(errors, 50),
    p99Ms: percentile(errors, 99),
    maxMs: Math.max(...errors),
    driftMs: percentile(errors.slice(-tenth), 50) - percentile(errors.slice(0, tenth), 50),
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const say = (text: string) =>
    process.stderr.write(`[${Math.round((Date.now() - started) / 1000)}s] ${text}\n`);

  say('start and stop');
  const startMs: number[] = [];
  const stopMs: number[] = [];
  for (let i = 0; i < 10; i++) {
    let t = performance.now();
    const d = startDaemon(['--host', '127.0.0.1', '--interval', '1s']);
    startMs.push(performance.now() - t);
    t = performance.now();
    cliRun('stop', '--pid-file', d.pidFile);
    stopMs.push(performance.now() - t);
  }

  const costs: TickCost[] = [];
  for (const c of contenders) {
    say(`tick cost: ${c.name}`);
    costs.push(await tickCost(c, scale(1000)));
  }

  say('schedule precision at 100ms and 1s');
  const fast = startDaemon(['--host', '127.0.0.1', '--interval', '100ms']);
  const slow = startDaemon(['--host', '127.0.0.1', '--interval', '1s']);
  await sleep(quick ? 6000 : 60_000);
  cliRun('stop', '--pid-file', fast.pidFile);
  cliRun('stop', '--pid-file', slow.pidFile);
  const precision = [precisionOf(fast.log, 100), precisionOf(slow.log, 1000)];

  say('memory and drift over 10,000 ticks at 10ms');
  const long = startDaemon(['--host', '127.0.0.1', '--interval', '10ms']);
  await untilTicks(long.log, 100, 20_000);
  const rssAfter100 = rssMb(long.pid);
  const rssAtStart = rssAfter100;
  const longTicks = scale(10_000);
  await untilTicks(long.log, longTicks, 300_000);
  const rssAfterAll = rssMb(long.pid);
  cliRun('stop', '--pid-file', long.pidFile);
  const longPrecision = precisionOf(long.log, 10);

  const scaleRows: { hosts: number; cpuMsPerSecond: number; skipped: number; p99Ms: number }[] = [];
  for (const hosts of [1, 10, 100, 300]) {
    say(`scale: ${hosts} hosts at 1s`);
    const list = Array.from(
      { length: hosts },
      (_, i) => `127.0.${Math.floor((i + 1) / 256)}.${(i + 1) % 256}`,
    );
    const d = startDaemon(['--host', list.join(','), '--interval', '1s']);
    await sleep(1500);
    const before = cpu(d.pid);
    const seconds = quick ? 3 : 8;
    await sleep(seconds * 1000);
    const after = cpu(d.pid);
    const state = JSON.parse(cliRun('status', '--json', '--pid-file', d.pidFile));
    cliRun('stop', '--pid-file', d.pidFile);
    const skipped = Object.values(state.stats.hosts as Record<string, { skipped: number }>).reduce(
      (a, h) => a + h.skipped,
      0,
    );
    // Per host: its start lines against its own t0 + k·interval.
    const byHost = new Map<string, number[]>();
    for (const e of readFileSync(d.log, 'utf8').split('\n').map(parseLogLine)) {
      if (e?.event !== 'start' || !e.time || !e.host) continue;
      byHost.set(e.host, [...(byHost.get(e.host) ?? []), e.time.getTime()]);
    }
    const errors = [...byHost.values()].flatMap((times) =>
      times.map((t, k) => t - ((times[0] as number) + k * 1000)),
    );
    const used = after.selfMs - before.selfMs + after.childrenMs - before.childrenMs;
    scaleRows.push({
      hosts,
      cpuMsPerSecond: used / seconds,
      skipped,
      p99Ms: percentile(errors, 99),
    });
  }

  const fleet = await fleetBench(quick, say);

  const [ours, floor, , tutorial] = costs as [TickCost, TickCost, TickCost, TickCost];
  const results = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      quick,
    },
    startToReadyMs: { median: percentile(startMs, 50), max: Math.max(...startMs) },
    stopMs: { median: percentile(stopMs, 50), max: Math.max(...stopMs) },
    tickCost: costs,
    ratios: {
      selfVsFloor: ours.selfMsPerTick / floor.selfMsPerTick,
      totalVsFloor: ours.totalMsPerTick / floor.totalMsPerTick,
      selfVsTutorial: ours.selfMsPerTick / tutorial.selfMsPerTick,
      totalVsTutorial: ours.totalMsPerTick / tutorial.totalMsPerTick,
    },
    precision: [...precision, longPrecision],
    memory: { rssAfter100TicksMb: rssAtStart, rssAfterTicksMb: rssAfterAll, ticks: longTicks },
    scale: scaleRows,
    fleet,
  };
  writeFileSync(join(HERE, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const md = markdown(results);
  writeFileSync(join(HERE, 'RESULTS.md'), md);
  process.stdout.write(md);
  say('done');
}

const f = (n: number, digits = 2) => n.toFixed(digits);

function markdown(r: {
  date: string;
  machine: { cpu: string; cores: number; node: string; quick: boolean };
  startToReadyMs: { median: number; max: number };
  stopMs: { median: number; max: number };
  tickCost: TickCost[];
  ratios: Record<string, number>;
  precision: Precision[];
  memory: { rssAfter100TicksMb: number; rssAfterTicksMb: number; ticks: number };
  scale: { hosts: number; cpuMsPerSecond: number; skipped: number; p99Ms: number }[];
  fleet: FleetResult;
}): string {
  return `# ping-daemon benchmarks

${r.date} on ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}${r.machine.quick ? ' (BENCH_QUICK: shortened)' : ''}.
All against 127.0.0.1. Regenerate with \`npm run bench\`.

## CPU per tick (10 ms interval, after a 50-tick warm-up)

${table(
  ['program', 'ticks', 'self ms/tick', 'children ms/tick', 'total ms/tick'],
  r.tickCost.map((c) => [
    c.name,
    c.ticks,
    f(c.selfMsPerTick, 3),
    f(c.childrenMsPerTick, 3),
    f(c.totalMsPerTick, 3),
  ]),
)}

ping-daemon / floor: self ${f(r.ratios.selfVsFloor as number)}x, total ${f(r.ratios.totalVsFloor as number)}x.
ping-daemon / tutorial: self ${f(r.ratios.selfVsTutorial as number)}x, total ${f(r.ratios.totalVsTutorial as number)}x.

## Schedule precision (start line minus t0 + k·interval)

${table(
  ['interval', 'ticks', 'p50 ms', 'p99 ms', 'max ms', 'drift ms (last 10 % vs first 10 %)'],
  r.precision.map((p) => [`${p.intervalMs}ms`, p.ticks, p.p50Ms, p.p99Ms, p.maxMs, p.driftMs]),
)}

## Memory, start, stop

RSS after 100 ticks: ${f(r.memory.rssAfter100TicksMb, 1)} MB; after ${r.memory.ticks} ticks: ${f(r.memory.rssAfterTicksMb, 1)} MB.
\`start\` until ready (the launcher's whole run): median ${f(r.startToReadyMs.median, 0)} ms, max ${f(r.startToReadyMs.max, 0)} ms.
\`stop\`: median ${f(r.stopMs.median, 0)} ms, max ${f(r.stopMs.max, 0)} ms.

## Scale (1 s interval)

${table(
  ['hosts', 'CPU ms per second (self + children)', 'skipped ticks', 'schedule p99 ms'],
  r.scale.map((s) => [s.hosts, f(s.cpuMsPerSecond, 1), s.skipped, s.p99Ms]),
)}

## Fleets: the two probers beside fping and smokeping_prober (1 s interval)

As in bench/FLEET.md (\`npm run bench:fleet\`, which says how each column is measured): one
program at a time, CPU of its whole process tree, replies recorded of one per host and second,
and the machine's idle share during each window.

${fleetMarkdown(r.fleet)}
`;
}

await main();
