// npm run bench:fleet (and part of npm run bench): ping-daemon's two probers side by side with
// fping's own loop and with smokeping_prober (Debian's prometheus-smokeping-prober, in its
// privileged and its datagram mode) and, for the default prober, with the least a program that
// runs one ping per probe can cost (the spawn floor, bench/peers/spread.pl); one program at a time,
// on the same hosts of 127.0.0.0/8 (docs/testing.md), at a 1 s interval, at 1, 100 and 1,000
// hosts. CPU is counted for a whole process tree: the daemon, the shells and the ping or fping
// they run (a long-lived fping is not in its parent's cutime until it exits). Each row says how
// much of what was due the program recorded, and how idle the machine was meanwhile, so that a
// loaded run shows as one. A last table sets the daemon's memory against a bare Node holding the
// same modules, and per host. Writes bench/FLEET.md.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DAEMON_V8_FLAGS, FLEET_V8_FLAGS } from '../src/lifecycle/daemonize.js';
import { statFields } from '../src/lifecycle/proc.js';
import { parseLogLine } from '../src/ping-log/format.js';
import { loopGapMs, splitLines } from '../src/probing/fping-output.js';
import { CLK_TCK, percentile, rssMb, table } from './proc-stats.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const CLI = join(DIST, 'cli.js');
const SMOKEPING = 'prometheus-smokeping-prober';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `hosts` addresses of 127.0.0.0/8 from 127.0.0.1 on, skipping .0 and .255. */
export function loopbackHosts(hosts: number): string[] {
  return Array.from({ length: hosts }, (_, i) => `127.0.${Math.floor(i / 254)}.${(i % 254) + 1}`);
}

/** `pid` and every process below it. */
function treeOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(statFields(entry)[1]);
      const siblings = children.get(ppid);
      if (siblings) siblings.push(Number(entry));
      else children.set(ppid, [Number(entry)]);
    } catch {
      // gone
    }
  }
  const found: number[] = [];
  const visit = (p: number): void => {
    found.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return found;
}

/**
 * CPU ms of `pid` and all its descendants, living and reaped. A living process's time is its
 * threads' scheduler run time (/proc/PID/task/TID/schedstat, in ns): utime and stime are counted
 * in whole clock ticks given to whoever runs when the tick comes, which for a process that runs
 * 1 % of the time in bursts of 0.1 ms is a sample of some 20 ticks over 20 s (±20 %). Reaped
 * children (the default prober's pings) exist only as their parent's cutime and cstime, ticks.
 */
export function treeCpuMs(pid: number): number {
  return treeOf(pid).reduce((sum, p) => sum + processCpuMs(p), 0);
}

/** CPU ms of the processes named `comm` in `pid`'s tree (the daemon's rrdtool). */
function namedCpuMs(pid: number, comm: string): number {
  const named = (p: number): boolean => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'latin1').trim() === comm;
    } catch {
      return false; // gone
    }
  };
  return treeOf(pid)
    .filter(named)
    .reduce((sum, p) => sum + processCpuMs(p), 0);
}

/** One process's threads' run time and its reaped children's time (see treeCpuMs). */
function processCpuMs(pid: number): number {
  let ms = 0;
  try {
    const f = statFields(pid).map(Number);
    ms += (((f[13] ?? 0) + (f[14] ?? 0)) * 1000) / CLK_TCK;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const ns = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[0];
      ms += Number(ns) / 1e6;
    }
  } catch {
    // gone: what was read before it went
  }
  return ms;
}

/** A process's RSS; 0 once it is gone, or a zombie (whose status has no VmRSS). */
function rssOf(pid: number): number {
  try {
    const mb = rssMb(pid);
    return Number.isNaN(mb) ? 0 : mb;
  } catch {
    return 0;
  }
}

const treeRssMb = (pid: number): number => treeOf(pid).reduce((sum, p) => sum + rssOf(p), 0);

/** The machine's idle and total CPU time so far (/proc/stat, all cores, clock ticks). */
function machineTimes(): { idle: number; total: number } {
  const f = (readFileSync('/proc/stat', 'latin1').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  return { idle: (f[3] ?? 0) + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
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
  /** Replies recorded in the window, of one per host and second. */
  recordedPct?: number;
  /** Ticks due in the window that have no start line (ping-daemon). */
  missingTicks?: number;
  errorTicks?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** The whole tree's RSS, and the main process's alone: medians of a reading a second. */
  rssMb: number;
  mainRssMb: number;
  /** The main process's highest reading. */
  mainRssPeakMb: number;
  /** The share of the machine's CPU time (all cores) that was idle during the window. */
  idlePct: number;
  note?: string;
}

interface Tally {
  replies?: number;
  /** The time the replies were counted over, when it is not the window (ms). */
  spanMs?: number;
  missing?: number;
  errors?: number;
  p50Ms?: number;
  p99Ms?: number;
  note?: string;
}

interface Running {
  pid: number;
  /** Called just before the window opens; what it returns goes into the row's note. */
  mark?(): Promise<string | undefined>;
  /** What the program recorded of the window [from, to) (epoch ms). */
  tally(from: number, to: number): Promise<Tally>;
  stop(): void;
}

interface Program {
  name: string;
  /** How long it is left to start before the window opens. */
  settleMs: number;
  /** How long it is measured. */
  seconds: number;
  /** Why it cannot run here, if it cannot. */
  missing?: string;
  /** The most hosts it is run with (the spawn floor: 1,000 probes a second need 8 cores). */
  maxHosts?: number;
  start(hosts: string[]): Running;
}

/** Lines of a child's stdout or stderr, as they come. */
function eachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  let rest = '';
  stream?.setEncoding('latin1');
  stream?.on('data', (chunk: string) => {
    const split = splitLines(rest + chunk);
    rest = split.rest;
    for (const line of split.lines) onLine(line);
  });
}

/** ping-daemon is measured from this long after its start on (not with BENCH_QUICK). */
const STEADY_MS = 125_000;

function daemon(dir: string, prober: 'ping' | 'fping', quick: boolean): Program {
  return {
    name: `ping-daemon --prober ${prober}`,
    // Start-up: spawns, the first rounds, a thousand hosts going up, and V8's first
    // memory-reducing collections (some 30 ms of CPU between 10 and 20 s after start).
    settleMs: quick ? 8000 : 25_000,
    // A whole minute: the history is written once a minute (rrdtool, some 0.4 s of CPU at 1,000
    // hosts), and a shorter window has that minute in it or not by chance.
    seconds: quick ? 6 : 60,
    start: (hosts) => {
      const name = `${prober}-${hosts.length}`;
      const log = join(dir, `${name}.log`);
      const pidFile = join(dir, `${name}.pid`);
      const config = join(dir, `${name}.json`);
      const history = join(dir, `${name}-history`);
      // A config file, not --host: a thousand hosts are a file's job.
      writeFileSync(config, JSON.stringify({ hosts, interval: '1s', prober }));
      execFileSync(process.execPath, [
        CLI,
        'start',
        ...['--config', config, '--log-file', log, '--pid-file', pidFile],
        ...['--service-log', join(dir, `${name}.svc`), '--history-dir', history],
      ]);
      const startedAt = Date.now();
      const pid = Number(readFileSync(pidFile, 'utf8'));
      return {
        pid,
        // The window opens once the history has its files: the first minute creates one RRD per
        // host (at 1,000 hosts seconds of rrdtool's CPU and 4 GB written once), which is not
        // what the daemon costs from then on. The note says what it cost.
        mark: async () => {
          const rrds = () => (existsSync(history) ? readdirSync(history) : []);
          const until = Date.now() + 180_000;
          while (rrds().length < hosts.length && Date.now() < until) await sleep(1000);
          await sleep(5000);
          const files = rrds();
          if (files.length < hosts.length) {
            return `history had ${files.length} of ${hosts.length} files after 3 min`;
          }
          const mb = files.reduce((sum, f) => sum + statSync(join(history, f)).size, 0) / 2 ** 20;
          const cpuS = namedCpuMs(pid, 'rrdtool') / 1000;
          // A daemon runs for months: what it costs is what it costs once V8 has compiled what
          // runs every few seconds (the state file's figures, every 3 s, are compiled some two
          // minutes in). The start-up is in the note.
          await sleep(startedAt + (quick ? 0 : STEADY_MS) - Date.now());
          const upS = (Date.now() - startedAt) / 1000;
          const upMsPerS = treeCpuMs(pid) / upS;
          return `history's first write: ${files.length} RRDs, ${mb.toFixed(0)} MB, rrdtool ${cpuS.toFixed(1)} s CPU; its first ${upS.toFixed(0)} s: ${upMsPerS.toFixed(1)} ms/s`;
        },
        tally: async (from, to) => {
          // Lines of packets sent in the window may be written up to a timeout later.
          await sleep(2500);
          return ticksOf(log, from, to, hosts.length);
        },
        stop: () => {
          execFileSync(process.execPath, [CLI, 'stop', '--pid-file', pidFile]);
          rmSync(history, { recursive: true, force: true });
        },
      };
    },
  };
}

function fping(quick: boolean): Program {
  return {
    name: 'fping -l (the floor)',
    settleMs: 3000,
    seconds: quick ? 6 : 20,
    start: (hosts) => {
      // Its sends as far apart as the fleet prober's (loopGapMs): `-i 1` at 1,000 hosts is a
      // round of the whole period, which fping does not keep up with (90 % of the replies).
      const gap = String(loopGapMs(1000, hosts.length));
      const child = spawn('fping', ['-l', '-D', '-e', '-p', '1000', '-i', gap, '--', ...hosts], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      // Its replies, by the time fping stamped them (-D).
      const stamps: number[] = [];
      eachLine(child.stdout, (line) => {
        const m = /^\[(\d+\.\d+)\] .* bytes,/.exec(line);
        if (m) stamps.push(Number(m[1]) * 1000);
      });
      return {
        pid: child.pid as number,
        tally: async (from, to) => {
          await sleep(1500);
          return { replies: stamps.filter((t) => t >= from && t < to).length };
        },
        stop: () => child.kill('SIGKILL'),
      };
    },
  };
}

/**
 * The floor of a prober that runs one ping per probe: a small Perl process that forks and execs
 * `ping -c1` for each host in turn, the probes spread evenly over the second as the daemon's
 * schedules spread them, and reaps them (bench/peers/spread.pl). Perl, not a shell: a shell forks
 * itself again for what it runs in the background, which is the cost the launcher pays.
 */
function spawnFloor(quick: boolean): Program {
  return {
    name: 'perl, fork and exec of ping per probe (the spawn floor)',
    settleMs: 3000,
    seconds: quick ? 6 : 30,
    maxHosts: 100,
    ...(spawnSync('perl', ['-MTime::HiRes', '-e', '1'], { stdio: 'ignore' }).status === 0
      ? {}
      : { missing: 'perl with Time::HiRes is not installed (apt-get install perl)' }),
    start: (hosts) => {
      const child = spawn('perl', [join(HERE, 'peers/spread.pl'), '1', ...hosts], {
        stdio: 'ignore',
      });
      return { pid: child.pid as number, tally: async () => ({}), stop: () => child.kill() };
    },
  };
}

/** smokeping_prober's replies so far, summed over `hosts`; undefined when /metrics did not answer. */
async function scrapeReplies(url: string, hosts: Set<string>): Promise<number | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    let replies = 0;
    for (const line of (await res.text()).split('\n')) {
      const m = /^smokeping_response_duration_seconds_count\{host="([^"]*)".*\} (\S+)$/.exec(line);
      if (m && hosts.has(m[1] as string)) replies += Number(m[2]);
    }
    return replies;
  } catch {
    return undefined;
  }
}

const PING_GROUPS = '/proc/sys/net/ipv4/ping_group_range';

/** Whether this process's group may open datagram ICMP sockets (net.ipv4.ping_group_range). */
function datagramAllowed(): boolean {
  const [low, high] = readFileSync(PING_GROUPS, 'latin1').trim().split(/\s+/).map(Number);
  const gid = process.getgid?.() ?? -1;
  return (low as number) <= gid && gid <= (high as number);
}

function smokeping(dir: string, privileged: boolean, port: number, quick: boolean): Program {
  const installed = spawnSync(SMOKEPING, ['--version'], { stdio: 'ignore' }).status === 0;
  // No config file of its own: Debian's lists localhost.
  const config = join(dir, 'smokeping.yml');
  writeFileSync(config, 'targets: []\n');
  return {
    name: `smokeping_prober${privileged ? ' --privileged' : ' (datagram)'}`,
    settleMs: 5000,
    seconds: quick ? 6 : 20,
    ...(installed
      ? {}
      : { missing: `${SMOKEPING} is not installed (apt-get install ${SMOKEPING})` }),
    start: (hosts) => {
      const url = `http://127.0.0.1:${port}/metrics`;
      const child: ChildProcess = spawn(
        SMOKEPING,
        [
          `--config.file=${config}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--ping.interval=1s',
          ...(privileged ? ['--privileged'] : []),
          ...hosts,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let lastError = '';
      eachLine(child.stderr, (line) => {
        if (/level=error/.test(line)) lastError = /msg="?([^"]*)/.exec(line)?.[1] ?? line;
      });
      const names = new Set(hosts);
      let base: number | undefined;
      let markedAt = 0;
      return {
        pid: child.pid as number,
        mark: async () => {
          base = await scrapeReplies(url, names);
          markedAt = Date.now();
          return undefined;
        },
        tally: async () => {
          const end = await scrapeReplies(url, names);
          const spanMs = Date.now() - markedAt;
          if (base === undefined || end === undefined) {
            return {
              note: `/metrics did not answer within 5 s${lastError ? `; ${lastError}` : ''}`,
            };
          }
          return {
            replies: end - base,
            spanMs,
            ...(lastError ? { note: lastError } : {}),
          };
        },
        stop: () => child.kill('SIGKILL'),
      };
    },
  };
}

/** Each host's start lines in [from, to): ticks missing against one a second, errors, replies. */
function ticksOf(log: string, from: number, to: number, hosts: number): Tally {
  const byHost = new Map<string, number[]>();
  let errors = 0;
  let replies = 0;
  for (const e of readFileSync(log, 'utf8').split('\n').map(parseLogLine)) {
    if (!e?.time || !e.host) continue;
    const t = e.time.getTime();
    if (e.event === 'end' && t >= from && t < to) {
      if (e.status === 'error') errors++;
      if (e.status === 'up') replies++;
    }
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
  return {
    replies,
    missing,
    errors,
    p50Ms: percentile(lateness, 50),
    p99Ms: percentile(lateness, 99),
  };
}

async function measure(program: Program, hosts: string[]): Promise<FleetRow> {
  const run = program.start(hosts);
  return onInterrupt(
    () => run.stop(),
    () => window(program, run, hosts),
  );
}

/** Lets `run` settle, then measures it over `program.seconds`. */
async function window(program: Program, run: Running, hosts: string[]): Promise<FleetRow> {
  const { seconds } = program;
  await sleep(program.settleMs);
  const marked = await run.mark?.();
  const from = Date.now();
  const machine = machineTimes();
  const before = treeCpuMs(run.pid);
  // RSS once a second: V8 lets the old generation's garbage pile up between its collections, so
  // one reading lands anywhere between the heap's low and high (at 1,000 hosts 79 to 124 MB
  // within two minutes); the median is what the program holds, the peak what it may take.
  const tree: number[] = [];
  const main: number[] = [];
  const end = from + seconds * 1000;
  for (let left = end - Date.now(); left > 0; left = end - Date.now()) {
    await sleep(Math.min(1000, left));
    tree.push(treeRssMb(run.pid));
    main.push(rssOf(run.pid));
  }
  const used = treeCpuMs(run.pid) - before;
  const after = machineTimes();
  const to = Date.now();
  const tally = await run.tally(from, to);
  const due = (hosts.length * (tally.spanMs ?? to - from)) / 1000;
  return {
    program: program.name,
    hosts: hosts.length,
    seconds,
    cpuMsPerSecond: used / seconds,
    usPerProbe: (used * 1000) / (seconds * hosts.length),
    ...(tally.replies !== undefined ? { recordedPct: (100 * tally.replies) / due } : {}),
    ...(tally.missing !== undefined ? { missingTicks: tally.missing } : {}),
    ...(tally.errors !== undefined ? { errorTicks: tally.errors } : {}),
    ...(tally.p50Ms !== undefined ? { p50Ms: tally.p50Ms, p99Ms: tally.p99Ms } : {}),
    rssMb: percentile(tree, 50),
    mainRssMb: percentile(main, 50),
    mainRssPeakMb: Math.max(...main),
    idlePct: (100 * (after.idle - machine.idle)) / (after.total - machine.total),
    ...(tally.note || marked ? { note: [tally.note, marked].filter(Boolean).join('; ') } : {}),
  };
}

/** The default prober and the spawn floor measured in the same windows. */
export interface PairRow {
  hosts: number;
  windows: number;
  windowSeconds: number;
  /** Medians over the windows, CPU µs per probe. */
  daemonUs: number;
  floorUs: number;
  /** The median, lowest and highest of the windows' ratios (daemon / floor). */
  ratio: number;
  lowest: number;
  highest: number;
  idlePct: number;
}

/**
 * How long each side-by-side window is: 10 s, but long enough for 60 probes. The reaped pings'
 * CPU is read from their parents' cutime, in clock ticks (10 ms): at 1 host a 10 s window holds
 * 10 probes, so one tick is 1 ms a probe, an eighth of what a probe costs, either way in each
 * window. 60 probes bring it to 0.17 ms.
 */
export function pairWindowSeconds(hosts: number, quick: boolean): number {
  return quick ? 3 : Math.max(10, Math.ceil(60 / hosts));
}

/**
 * The default prober and the spawn floor side by side, both running, measured window after
 * window: this VM's cost of a fork and exec moves 2-4x from one hour to the next, which the
 * sequential rows (minutes apart) carry into their ratio; in the same seconds it cancels out.
 */
async function sideBySide(
  ours: Program,
  floor: Program,
  hosts: string[],
  quick: boolean,
): Promise<PairRow> {
  const windows = quick ? 3 : 6;
  const windowSeconds = pairWindowSeconds(hosts.length, quick);
  const a = ours.start(hosts);
  return onInterrupt(
    () => a.stop(),
    async () => {
      const b = floor.start(hosts);
      return onInterrupt(
        () => b.stop(),
        async () => {
          await sleep(ours.settleMs);
          await a.mark?.();
          const machine = machineTimes();
          const ratios: number[] = [];
          const daemonUs: number[] = [];
          const floorUs: number[] = [];
          for (let i = 0; i < windows; i++) {
            const before = [treeCpuMs(a.pid), treeCpuMs(b.pid)];
            const t0 = performance.now();
            await sleep(windowSeconds * 1000);
            const probes = ((performance.now() - t0) / 1000) * hosts.length;
            const ourUs = ((treeCpuMs(a.pid) - (before[0] as number)) * 1000) / probes;
            const floorOne = ((treeCpuMs(b.pid) - (before[1] as number)) * 1000) / probes;
            daemonUs.push(ourUs);
            floorUs.push(floorOne);
            ratios.push(ourUs / floorOne);
          }
          const after = machineTimes();
          return {
            hosts: hosts.length,
            windows,
            windowSeconds,
            daemonUs: percentile(daemonUs, 50),
            floorUs: percentile(floorUs, 50),
            ratio: percentile(ratios, 50),
            lowest: Math.min(...ratios),
            highest: Math.max(...ratios),
            idlePct: (100 * (after.idle - machine.idle)) / (after.total - machine.total),
          };
        },
      );
    },
  );
}

/**
 * Sets net.ipv4.ping_group_range so that this group may use datagram ICMP, for `fn` only: the
 * machine's setting is put back when `fn` ends, or when the benchmark is interrupted meanwhile.
 */
async function withDatagramPing<T>(fn: () => Promise<T>): Promise<T | string> {
  if (datagramAllowed()) return fn();
  const old = readFileSync(PING_GROUPS, 'latin1').trim().replace(/\s+/, ' ');
  const gid = process.getgid?.() ?? 0;
  try {
    writeFileSync(PING_GROUPS, `${gid} ${gid}`);
  } catch {
    return `datagram ICMP is not allowed to group ${gid} (sysctl net.ipv4.ping_group_range; run the benchmark as root)`;
  }
  // Put back however the run ends: a Ctrl-C or a kill in the middle of this row included.
  return onInterrupt(
    () => writeFileSync(PING_GROUPS, old),
    () => fn(),
  );
}

/** What a SIGINT or SIGTERM of the benchmark undoes before it ends it, latest first. */
const undoOnInterrupt: (() => void)[] = [];

function interrupted(signal: NodeJS.Signals): void {
  for (const undo of undoOnInterrupt.reverse()) {
    try {
      undo();
    } catch {
      // the rest still runs
    }
  }
  process.off('SIGINT', interrupted);
  process.off('SIGTERM', interrupted);
  process.kill(process.pid, signal);
}

/**
 * Runs `fn`, and `undo` when it ends, or when the benchmark is interrupted meanwhile (a `kill` of
 * the benchmark alone, not its process group, would otherwise leave the program under test
 * running).
 */
async function onInterrupt<T>(undo: () => void, fn: () => Promise<T>): Promise<T> {
  if (undoOnInterrupt.length === 0) {
    process.on('SIGINT', interrupted);
    process.on('SIGTERM', interrupted);
  }
  undoOnInterrupt.push(undo);
  try {
    return await fn();
  } finally {
    undoOnInterrupt.splice(undoOnInterrupt.indexOf(undo), 1);
    if (undoOnInterrupt.length === 0) {
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
    }
    undo();
  }
}

export interface MemoryRow {
  program: string;
  /** RSS of the main process at 1 host, and what each host adds (from 100 to 1,000). */
  baseMb: number;
  kbPerHost: number;
  /** The same from the highest readings. */
  peakKbPerHost: number;
  /** A bare Node with the same V8 flags holding the same modules (ping-daemon only). */
  bareMb?: number;
}

/**
 * RSS of a Node that loads the daemon's modules and then idles, with the daemon's V8 flags.
 */
async function bareNodeMb(flags: string[]): Promise<number> {
  // The bundle's chunks that cli.js names: its own imports and stage 2 (not the parser's, which
  // the daemon does not load).
  const named = readFileSync(CLI, 'utf8').matchAll(/"(\.\/[\w-]+\.js)"/g);
  const modules = [...named].map((m) => m[1] as string).filter((m) => !m.startsWith('./parse-'));
  const urls = modules.map((m) => JSON.stringify(join(DIST, m)));
  const code = `${urls.map((u) => `await import(${u});`).join(' ')} setInterval(() => {}, 1 << 30);`;
  const child = spawn(process.execPath, [...flags, '--input-type=module', '-e', code], {
    stdio: 'ignore',
  });
  try {
    await sleep(4000);
    return rssOf(child.pid as number);
  } finally {
    child.kill('SIGKILL');
  }
}

export async function memoryRows(rows: FleetRow[]): Promise<MemoryRow[]> {
  const out: MemoryRow[] = [];
  for (const program of new Set(rows.map((r) => r.program))) {
    const at = (hosts: number) => rows.find((r) => r.program === program && r.hosts === hosts);
    const one = at(1);
    const hundred = at(100);
    const most = rows.filter((r) => r.program === program).at(-1);
    if (!one || !hundred || !most || most.hosts <= 100) continue;
    const row: MemoryRow = {
      program,
      baseMb: one.mainRssMb,
      kbPerHost: ((most.mainRssMb - hundred.mainRssMb) * 1024) / (most.hosts - 100),
      peakKbPerHost: ((most.mainRssPeakMb - hundred.mainRssPeakMb) * 1024) / (most.hosts - 100),
    };
    if (program.startsWith('ping-daemon')) {
      row.bareMb = await bareNodeMb(program.endsWith('fping') ? FLEET_V8_FLAGS : DAEMON_V8_FLAGS);
    }
    out.push(row);
  }
  return out;
}

/** Where the default prober and the spawn floor are measured side by side. */
const SIDE_BY_SIDE_HOSTS = [1, 50, 100];

export interface FleetResult {
  rows: FleetRow[];
  memory: MemoryRow[];
  pairs: PairRow[];
}

export async function fleetBench(
  quick: boolean,
  say: (text: string) => void,
): Promise<FleetResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is not built: npm run build`);
  const dir = mkdtempSync(join(tmpdir(), 'pd-fleet-'));
  const defaultProber = daemon(dir, 'ping', quick);
  const floorProgram = spawnFloor(quick);
  const programs = [
    fping(quick),
    smokeping(dir, true, 19_374, quick),
    smokeping(dir, false, 19_375, quick),
    daemon(dir, 'fping', quick),
    defaultProber,
    floorProgram,
  ];
  const rows: FleetRow[] = [];
  const pairs: PairRow[] = [];
  for (const size of [1, 100, quick ? 300 : 1000]) {
    const hosts = loopbackHosts(size);
    let floor: FleetRow | undefined;
    for (const program of programs) {
      if (program.missing) {
        say(`fleet: ${program.name} left out: ${program.missing}`);
        continue;
      }
      if (size > (program.maxHosts ?? size)) continue;
      say(`fleet: ${size} hosts, ${program.name}`);
      const run = () => measure(program, hosts);
      const row = program.name.endsWith('(datagram)') ? await withDatagramPing(run) : await run();
      if (typeof row === 'string') {
        say(`fleet: ${program.name} left out: ${row}`);
        continue;
      }
      floor ??= row;
      row.vsFping = row.cpuMsPerSecond / floor.cpuMsPerSecond;
      rows.push(row);
    }
  }
  // Side by side also at 50 hosts: two programs of 100 probes a second each saturate two cores
  // (a ping then costs 9 ms, not 2.4), and a saturated machine measures its scheduler, not them.
  for (const size of SIDE_BY_SIDE_HOSTS) {
    if (floorProgram.missing || size > (floorProgram.maxHosts ?? size)) continue;
    say(`fleet: ${size} hosts, ping-daemon --prober ping beside the spawn floor`);
    pairs.push(await sideBySide(defaultProber, floorProgram, loopbackHosts(size), quick));
  }
  return { rows, memory: await memoryRows(rows), pairs };
}

const f = (n: number | undefined, digits = 1) =>
  n === undefined || Number.isNaN(n) ? '' : n.toFixed(digits);

/** The default prober's CPU per probe against the spawn floor's, at each size both ran. */
export function spawnFloorLine(rows: FleetRow[]): string {
  const ratios = rows
    .filter((r) => r.program.endsWith('(the spawn floor)'))
    .flatMap((floor) => {
      const ours = rows.find(
        (r) => r.program === 'ping-daemon --prober ping' && r.hosts === floor.hosts,
      );
      const at = `${floor.hosts} host${floor.hosts === 1 ? '' : 's'}`;
      return ours ? [`${f(ours.usPerProbe / floor.usPerProbe, 2)}x at ${at}`] : [];
    });
  return ratios.length === 0
    ? 'The spawn floor did not run.'
    : `ping-daemon --prober ping against the spawn floor, CPU per probe, one after the other (the rows above): ${ratios.join(', ')}.`;
}

/** The side-by-side ratios, one line a size. */
export function sideBySideLines(pairs: PairRow[]): string {
  if (pairs.length === 0) return '';
  const lines = pairs.map(
    (p) =>
      `at ${p.hosts} host${p.hosts === 1 ? '' : 's'} ${f(p.ratio, 2)}x (${f(p.lowest, 2)}-${f(p.highest, 2)}; ${f(p.daemonUs, 0)} against ${f(p.floorUs, 0)} µs; ${p.windows} windows of ${p.windowSeconds} s; machine idle ${f(p.idlePct, 0)} %)`,
  );
  return `Side by side, both running, the median of the windows' ratios (each window at least 10 s and 60 probes): ${lines.join('; ')}.`;
}

export function fleetMarkdown({ rows, memory, pairs }: FleetResult): string {
  const main = table(
    [
      'program',
      'hosts',
      's',
      'CPU ms/s',
      'µs/probe',
      'vs fping',
      'replies recorded',
      'missing ticks',
      'error ticks',
      'p50 ms',
      'p99 ms',
      'RSS MB',
      'of it the main process',
      'machine idle',
      'note',
    ],
    rows.map((r) => [
      r.program,
      r.hosts,
      r.seconds,
      f(r.cpuMsPerSecond),
      f(r.usPerProbe, 0),
      r.vsFping === undefined ? '' : `${f(r.vsFping, 2)}x`,
      r.recordedPct === undefined ? '' : `${f(r.recordedPct, 1)} %`,
      r.missingTicks ?? '',
      r.errorTicks ?? '',
      f(r.p50Ms, 0),
      f(r.p99Ms, 0),
      f(r.rssMb),
      f(r.mainRssMb),
      `${f(r.idlePct, 0)} %`,
      r.note ?? '',
    ]),
  );
  const mem = table(
    [
      'program',
      'RSS at 1 host, MB',
      'bare Node, same modules, MB',
      'over bare Node, MB',
      'KB per host',
      'KB per host, from the peaks',
    ],
    memory.map((m) => [
      m.program,
      f(m.baseMb),
      f(m.bareMb),
      m.bareMb === undefined ? '' : f(m.baseMb - m.bareMb),
      f(m.kbPerHost, 0),
      f(m.peakKbPerHost, 0),
    ]),
  );
  const pairLine = sideBySideLines(pairs);
  return `${main}\n\n${spawnFloorLine(rows)}${pairLine ? ` ${pairLine}` : ''}\n\n### Memory\n\n${mem}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.env.BENCH_QUICK === '1';
  const started = Date.now();
  const say = (text: string) =>
    process.stderr.write(`[${Math.round((Date.now() - started) / 1000)}s] ${text}\n`);
  const result = await fleetBench(quick, say);
  const md = `# Fleets: the two probers beside fping and smokeping_prober

${new Date().toISOString()} on ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, Node ${process.version}${quick ? ' (BENCH_QUICK: shortened)' : ''}.
One program at a time, at a 1 s interval on 127.0.0.0/8, each measured over a window after its
start-up: ${quick ? '6 s' : '20 s (the spawn floor 30 s); ping-daemon 60 s (which hold one writing of its history, once a minute),'} opened
once its history has one file per host (the first write creates them)${quick ? '' : ` and ${STEADY_MS / 1000} s after its start, once V8 has compiled what it runs every few seconds`} (what both cost is in the note). The spawn floor runs at 1 and 100 hosts only, alone, and then beside the default prober
at 1, 50 and 100 hosts (the line under the table). CPU of the whole process
tree (threads' scheduler run time; reaped pings by their parent's cutime); RSS summed over the
tree, the median of a reading a second (the old generation's garbage comes and goes). Replies recorded: of one per host and second, what the program has to show for the window
(fping: its reply lines; smokeping_prober: its response counters on /metrics; ping-daemon: end
lines \`up\`). Machine idle: the share of both cores' time nobody used during the window (what
the program used is not idle either). Regenerate with \`npm run bench:fleet\` (as root: the
datagram rows set net.ipv4.ping_group_range for their run).

${fleetMarkdown(result)}
Memory: the daemon's own process (not its fping or shell) at 1 host against a bare Node with
the same V8 flags that imports the same modules and idles; per host, the difference between
100 and ${quick ? 300 : '1,000'} hosts, of the medians and of the highest readings.
`;
  writeFileSync(join(HERE, 'FLEET.md'), md);
  process.stdout.write(md);
}
