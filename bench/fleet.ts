// npm run bench:fleet (and part of npm run bench): the two probers side by side with fping's own
// loop, in the same run, on the same hosts of 127.0.0.0/8 (docs/testing.md), at a 1 s interval.
// CPU is counted for a whole process tree: the daemon, the shells and the fping they run (a
// long-lived fping is not in its parent's cutime until it exits). Writes bench/FLEET.md.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { statFields } from '../src/lifecycle/proc.js';
import { parseLogLine } from '../src/ping-log/format.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `hosts` addresses of 127.0.0.0/8 from 127.0.0.1 on, skipping .0 and .255. */
export function loopbackHosts(hosts: number): string[] {
  return Array.from({ length: hosts }, (_, i) => `127.0.${Math.floor(i / 254)}.${(i % 254) + 1}`);
}

/**
 * CPU ms of `pid` and all its descendants, living and reaped. A living process's time is its
 * threads' scheduler run time (/proc/PID/task/TID/schedstat, in ns): utime and stime are counted
 * in whole clock ticks given to whoever runs when the tick comes, which for a process that runs
 * 1 % of the time in bursts of 0.1 ms is a sample of some 20 ticks over 20 s (±20 %). Reaped
 * children (the default prober's pings) exist only as their parent's cutime and cstime, ticks.
 */
export function treeCpuMs(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(statFields(entry)[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone
    }
  }
  let ms = 0;
  const visit = (p: number): void => {
    try {
      const f = statFields(p).map(Number);
      ms += (((f[13] ?? 0) + (f[14] ?? 0)) * 1000) / CLK_TCK;
      for (const tid of readdirSync(`/proc/${p}/task`)) {
        const ns = readFileSync(`/proc/${p}/task/${tid}/schedstat`, 'latin1').split(' ')[0];
        ms += Number(ns) / 1e6;
      }
    } catch {
      return;
    }
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return ms;
}

const rssMb = (pid: number): number =>
  Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]) / 1024;

/** The fping processes below `pid`. */
function fpingsBelow(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0')[0]?.endsWith('fping'))
        continue;
      let p = Number(entry);
      while (p > 1 && p !== pid) p = Number(statFields(p)[1]);
      if (p === pid) found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}

export interface FleetRow {
  program: string;
  hosts: number;
  seconds: number;
  cpuMsPerSecond: number;
  /** CPU per probe, µs. */
  usPerProbe: number;
  /** Against fping -l on the same hosts in this run. */
  vsFping?: number;
  /** Ticks due in the window that have no start line. */
  missingTicks?: number;
  errorTicks?: number;
  p50Ms?: number;
  p99Ms?: number;
  rssMb?: number;
  probeRssMb?: number;
}

interface Running {
  pid: number;
  log?: string;
  stop(): void;
}

function startDaemon(dir: string, name: string, prober: string, hosts: string[]): Running {
  const log = join(dir, `${name}.log`);
  const pidFile = join(dir, `${name}.pid`);
  const config = join(dir, `${name}.json`);
  // A config file, not --host: a thousand hosts are a file's job.
  writeFileSync(config, JSON.stringify({ hosts, interval: '1s', prober }));
  execFileSync(process.execPath, [
    CLI,
    'start',
    '--config',
    config,
    '--log-file',
    log,
    '--pid-file',
    pidFile,
    '--service-log',
    join(dir, `${name}.svc`),
  ]);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  return {
    pid,
    log,
    stop: () => execFileSync(process.execPath, [CLI, 'stop', '--pid-file', pidFile]),
  };
}

function startFping(hosts: string[]): Running {
  const child = spawn('fping', ['-l', '-D', '-e', '-p', '1000', '-i', '1', '--', ...hosts], {
    stdio: 'ignore',
  });
  return { pid: child.pid as number, stop: () => child.kill('SIGKILL') };
}

/** Each host's start lines in [from, to): ticks missing against one a second, and their error. */
function ticksOf(log: string, from: number, to: number, hosts: number) {
  const byHost = new Map<string, number[]>();
  let errors = 0;
  for (const e of readFileSync(log, 'utf8').split('\n').map(parseLogLine)) {
    if (!e?.time || !e.host) continue;
    const t = e.time.getTime();
    if (e.event === 'end' && e.status === 'error' && t >= from && t < to) errors++;
    if (e.event !== 'start' || t < from || t >= to) continue;
    byHost.set(e.host, [...(byHost.get(e.host) ?? []), t]);
  }
  let missing = 0;
  const lateness: number[] = [];
  for (const times of byHost.values()) {
    const t0 = times[0] as number;
    // The grid of this host: its first tick in the window, then one a second.
    const slots = new Set(times.map((t) => Math.round((t - t0) / 1000)));
    const due = Math.floor((to - t0) / 1000);
    missing += Math.max(0, due - slots.size);
    for (const t of times) lateness.push(Math.abs(t - t0 - Math.round((t - t0) / 1000) * 1000));
  }
  missing += (hosts - byHost.size) * Math.floor((to - from) / 1000);
  lateness.sort((a, b) => a - b);
  const pct = (p: number) =>
    lateness[Math.max(0, Math.ceil((p / 100) * lateness.length) - 1)] ?? Number.NaN;
  return { missing, errors, p50Ms: pct(50), p99Ms: pct(99) };
}

async function measure(
  program: string,
  hosts: string[],
  seconds: number,
  start: () => Running,
  settleMs: number,
): Promise<FleetRow> {
  const run = start();
  try {
    await sleep(settleMs);
    const from = Date.now();
    const before = treeCpuMs(run.pid);
    await sleep(seconds * 1000);
    const used = treeCpuMs(run.pid) - before;
    const to = Date.now();
    const row: FleetRow = {
      program,
      hosts: hosts.length,
      seconds,
      cpuMsPerSecond: used / seconds,
      usPerProbe: (used * 1000) / (seconds * hosts.length),
    };
    if (run.log) {
      row.rssMb = rssMb(run.pid);
      row.probeRssMb = fpingsBelow(run.pid).reduce((a, p) => a + rssMb(p), 0);
      // Lines of packets sent in the window may be written up to a timeout later.
      await sleep(2500);
      const ticks = ticksOf(run.log, from, to - 1000, hosts.length);
      row.missingTicks = ticks.missing;
      row.errorTicks = ticks.errors;
      row.p50Ms = ticks.p50Ms;
      row.p99Ms = ticks.p99Ms;
    }
    return row;
  } finally {
    run.stop();
  }
}

export async function fleetBench(quick: boolean, say: (text: string) => void): Promise<FleetRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pd-fleet-'));
  const rows: FleetRow[] = [];
  const seconds = quick ? 6 : 30;
  // Start-up: spawns, the first rounds, a thousand hosts going up, and V8's first
  // memory-reducing collections (some 30 ms of CPU between 10 and 20 s after start).
  const settleMs = quick ? 8000 : 25_000;
  // Every program measured alike: the same start-up allowance, then the same window.
  const run = (program: string, hosts: string[], start: () => Running) =>
    measure(program, hosts, seconds, start, settleMs);
  const hundred = loopbackHosts(100);
  say('fleet: 100 hosts, fping -l');
  const reference = await run('fping -l (reference)', hundred, () => startFping(hundred));
  rows.push(reference);
  for (const prober of ['fping', 'ping']) {
    say(`fleet: 100 hosts, ping-daemon --prober ${prober}`);
    rows.push(
      await run(`ping-daemon --prober ${prober}`, hundred, () =>
        startDaemon(dir, `p${prober}-100`, prober, hundred),
      ),
    );
  }
  for (const row of rows) row.vsFping = row.cpuMsPerSecond / reference.cpuMsPerSecond;
  const thousand = loopbackHosts(quick ? 300 : 1000);
  say(`fleet: ${thousand.length} hosts, fping -l`);
  const big = await run('fping -l (reference)', thousand, () => startFping(thousand));
  rows.push(big);
  say(`fleet: ${thousand.length} hosts, ping-daemon --prober fping`);
  const ours = await run('ping-daemon --prober fping', thousand, () =>
    startDaemon(dir, 'pfping-1000', 'fping', thousand),
  );
  ours.vsFping = ours.cpuMsPerSecond / big.cpuMsPerSecond;
  big.vsFping = 1;
  rows.push(ours);
  return rows;
}

const f = (n: number | undefined, digits = 1) => (n === undefined ? '' : n.toFixed(digits));

export function fleetMarkdown(rows: FleetRow[]): string {
  const head = [
    'program',
    'hosts',
    's',
    'CPU ms/s',
    'µs/probe',
    'vs fping',
    'missing ticks',
    'error ticks',
    'p50 ms',
    'p99 ms',
    'RSS MB',
    'fping RSS MB',
  ];
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map(
      (r) =>
        `| ${[r.program, r.hosts, r.seconds, f(r.cpuMsPerSecond), f(r.usPerProbe, 0), r.vsFping === undefined ? '' : `${f(r.vsFping, 2)}x`, r.missingTicks ?? '', r.errorTicks ?? '', f(r.p50Ms, 0), f(r.p99Ms, 0), f(r.rssMb), f(r.probeRssMb)].join(' | ')} |`,
    ),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.env.BENCH_QUICK === '1';
  const started = Date.now();
  const say = (text: string) =>
    process.stderr.write(`[${Math.round((Date.now() - started) / 1000)}s] ${text}\n`);
  const rows = await fleetBench(quick, say);
  const md = `# Fleets: the two probers beside fping

${new Date().toISOString()} on ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, Node ${process.version}${quick ? ' (BENCH_QUICK: shortened)' : ''}.
All at a 1 s interval on 127.0.0.0/8; CPU of the whole process tree (daemon, shells, ping or fping)
over the window (threads' scheduler run time; reaped pings by their parent's cutime), after
${quick ? 8 : 25} s of start-up. Regenerate with \`npm run bench:fleet\`.

${fleetMarkdown(rows)}
`;
  writeFileSync(join(HERE, 'FLEET.md'), md);
  process.stdout.write(md);
}
