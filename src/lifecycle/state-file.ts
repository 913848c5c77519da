// The state file beside the PID file: what the running daemon is doing, for `status`, `logs`
// (which log it writes), `restart` (how it was started) and `reload` (whether a reload took).
// Replaced atomically (write a temp file, rename over), so a reader sees the old state or the
// new one, never half of either. The file has its own type, with a version; toStateFile and
// fromStateFile are the only conversions between it and what the code works with.

import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import type { ChannelReport } from '../alerts/channel.js';
import type { HealthSummary } from '../alerts/monitor.js';
import type { HealthState } from '../alerts/state.js';
import { type Format, formats } from '../config/options.js';
import type { ProbeMethod } from '../config/prober.js';
import type { ProbeTarget } from '../config/targets.js';
import { readSmallFile } from '../ping-log/files.js';
import type { ProbeResult, ProbeStatus } from '../probing/ping-result.js';
import { WINDOWS_MIN, type WindowFigures } from '../probing/recent.js';
import type { HostStats, ServiceStats } from '../probing/service.js';
import { releasePidFile } from './pid-file.js';

export interface LastReload {
  time: Date;
  ok: boolean;
  error?: string;
  /** What the reload could not do though the settings took (a log not reopened). */
  warnings?: string[];
}

/** How the daemon was started, so that a bare `restart` starts it again the same way. */
export interface StartedBy {
  args: string[];
  cwd: string;
  /** Its PING_DAEMON_* environment. */
  env: Record<string, string>;
}

/** The daemon's state, as the daemon and the commands work with it. */
export interface DaemonState {
  pid: number;
  startedAt: Date;
  targets: ProbeTarget[];
  /** How the hosts are probed; a daemon from before the fleet prober ran ping. */
  prober: ProbeMethod;
  /** Why that prober (`auto: 120 hosts, fping from 10`); absent from a daemon before `auto`. */
  proberWhy?: string;
  format: Format;
  logFile: string;
  /** Where it keeps history; null: none (or a daemon from before history). */
  historyDir: string | null;
  serviceLog: string | null;
  configFile: string | null;
  /** Where it probes from (--vantage); null: a daemon from before vantages. */
  vantage: string | null;
  invocation: StartedBy | undefined;
  reloads: number;
  lastReload: LastReload | null;
  stats: ServiceStats;
  /** Each host's state for people. */
  health: Record<string, HealthSummary>;
  /** Each notification channel's counts and last outcome (none from a daemon before them). */
  channels: ChannelReport[];
}

/** What the state file (readable by all) keeps of a webhook URL given on the command line. */
export const NOT_KEPT = '<a webhook URL: not kept>';

/**
 * The invocation as the state file keeps it: webhook URLs, whose path is often their token, are
 * left out; a `restart` that needs them says so.
 */
export function keptInvocation(started: StartedBy): StartedBy {
  // An Alertmanager's URL may hold a password (http://user:secret@am:9093) too.
  const args = started.args.map((arg, i, all) => {
    const flag = /^(--webhook|--alertmanager)=/.exec(arg)?.[1];
    if (flag !== undefined) return `${flag}=${NOT_KEPT}`;
    return all[i - 1] === '--webhook' || all[i - 1] === '--alertmanager' ? NOT_KEPT : arg;
  });
  const env = { ...started.env };
  for (const name of ['PING_DAEMON_WEBHOOK', 'PING_DAEMON_ALERTMANAGER']) {
    if (env[name] !== undefined) env[name] = NOT_KEPT;
  }
  return { ...started, args, env };
}

/** The version written. A reader refuses other versions (a state from another ping-daemon). */
export const STATE_VERSION = 1;

type Serialized<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Serialized<U>[]
    : T extends object
      ? { [K in keyof T]: Serialized<T[K]> }
      : T;

/** The file, as JSON: times are ISO strings, an absent invocation is absent. */
export type StateFile = { version: typeof STATE_VERSION } & Serialized<
  Omit<DaemonState, 'invocation'>
> & { invocation?: StartedBy };

/** Room for the state of 10,000 hosts. */
const MAX_STATE_BYTES = 16 * 1024 * 1024;

/** `/run/ping-daemon/ping-daemon.pid` → `/run/ping-daemon/ping-daemon.state.json`. */
export function stateFilePath(pidFile: string): string {
  return `${pidFile.replace(/\.pid$/, '')}.state.json`;
}

export function toStateFile(s: DaemonState): StateFile {
  const hosts: Record<string, Serialized<HostStats>> = {};
  for (const [host, h] of Object.entries(s.stats.hosts)) {
    hosts[host] = {
      ...h,
      last: h.last && { ...h.last, time: h.last.time.toISOString() },
      stateSince: h.stateSince?.toISOString(),
    };
  }
  const health: Record<string, Serialized<HealthSummary>> = {};
  for (const [host, h] of Object.entries(s.health)) {
    health[host] = { ...h, since: h.since?.toISOString() };
  }
  return {
    version: STATE_VERSION,
    ...s,
    health,
    startedAt: s.startedAt.toISOString(),
    lastReload: s.lastReload && { ...s.lastReload, time: s.lastReload.time.toISOString() },
    stats: {
      ...s.stats,
      hosts,
      logProblem: s.stats.logProblem && {
        ...s.stats.logProblem,
        since: s.stats.logProblem.since.toISOString(),
      },
    },
  };
}

/**
 * The state a file holds, or `undefined` when it is not a state this ping-daemon wrote: another
 * version, or a shape it does not know. A file written before versions were numbered (no
 * `version`) has version 1's shape.
 */
export function fromStateFile(value: unknown): DaemonState | undefined {
  const f = value as Partial<StateFile> | null;
  if (typeof f !== 'object' || f === null || (f.version ?? 1) !== STATE_VERSION) return undefined;
  const startedAt = date(f.startedAt);
  const lastReload = f.lastReload === null ? null : reloadOf(f.lastReload);
  const stats = statsOf(f.stats);
  const health = healthOf(f.health);
  if (
    !isCount(f.pid) ||
    startedAt === undefined ||
    !Array.isArray(f.targets) ||
    !f.targets.every(isTarget) ||
    !(formats as readonly unknown[]).includes(f.format) ||
    !(f.prober === undefined || f.prober === 'ping' || f.prober === 'fping') ||
    !(f.proberWhy === undefined || typeof f.proberWhy === 'string') ||
    typeof f.logFile !== 'string' ||
    !nullOr(f.serviceLog, 'string') ||
    !nullOr(f.configFile, 'string') ||
    !isCount(f.reloads) ||
    lastReload === undefined ||
    stats === undefined ||
    health === undefined
  ) {
    return undefined;
  }
  return {
    pid: f.pid,
    startedAt,
    targets: f.targets,
    prober: (f.prober as ProbeMethod | undefined) ?? 'ping',
    ...(typeof f.proberWhy === 'string' ? { proberWhy: f.proberWhy } : {}),
    format: f.format as Format,
    logFile: f.logFile,
    historyDir: typeof f.historyDir === 'string' ? f.historyDir : null,
    serviceLog: f.serviceLog ?? null,
    configFile: f.configFile ?? null,
    vantage: typeof f.vantage === 'string' ? f.vantage : null,
    invocation: isStartedBy(f.invocation) ? f.invocation : undefined,
    reloads: f.reloads,
    lastReload,
    stats,
    health,
    channels: Array.isArray(f.channels) ? f.channels.filter(isChannelReport) : [],
  };
}

function isChannelReport(v: unknown): v is ChannelReport {
  const c = v as Partial<ChannelReport> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.name === 'string' &&
    typeof c.kind === 'string' &&
    [c.queued, c.delivered, c.failed, c.dropped].every(isCount)
  );
}

/**
 * The file's JSON: toStateFile's, made without its copy of every host's figures (JSON writes a
 * Date as its toISOString(), as toStateFile does; a test holds the two equal). It is written
 * every few seconds, and at 100 hosts that copy was a tenth of what the daemon allocated.
 */
export function stateJson(state: DaemonState): string {
  return JSON.stringify({ version: STATE_VERSION, ...state });
}

export function writeState(path: string, state: DaemonState): void {
  const temp = `${path}.${state.pid}.tmp`;
  const json = stateJson(state);
  // O_EXCL: a symbolic link planted at the temporary name is removed, never written through.
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    unlinkSync(temp);
    fd = openSync(temp, 'wx', 0o644);
  }
  try {
    // The string straight to write(), not through a Buffer made of it (as writeFileSync does),
    // and its newline apart, not joined to it (which would copy it all).
    if (writeSync(fd, json) + writeSync(fd, '\n') !== Buffer.byteLength(json) + 1) {
      throw Object.assign(new Error(`short write to ${temp}`), { code: 'ENOSPC' });
    }
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/** The state of daemon `pid`, or `undefined` when there is none (or it is not ours to trust). */
export function readState(path: string, pid: number): DaemonState | undefined {
  let value: unknown;
  try {
    // Bounded, and never blocked by a FIFO planted at its name.
    value = JSON.parse(readSmallFile(path, MAX_STATE_BYTES));
  } catch {
    return undefined;
  }
  const state = fromStateFile(value);
  return state?.pid === pid ? state : undefined;
}

/**
 * The state a daemon that is gone left at `path` (killed, out of memory: a clean stop removes
 * it), for the one that now holds its PID file; undefined when there is none, or it is not one.
 */
export function leftState(path: string): DaemonState | undefined {
  try {
    const state = fromStateFile(JSON.parse(readSmallFile(path, MAX_STATE_BYTES)));
    return state?.pid === process.pid ? undefined : state;
  } catch {
    return undefined;
  }
}

/**
 * Only the last reload daemon `pid` recorded at `path`: what `reload` waits for, without checking
 * the rest (the state of 10,000 hosts takes 0.15 s to check).
 */
export function readLastReload(path: string, pid: number): LastReload | null | undefined {
  try {
    const f = JSON.parse(readSmallFile(path, MAX_STATE_BYTES)) as Record<string, unknown>;
    if (f.pid !== pid || (f.version ?? 1) !== STATE_VERSION) return undefined;
    return f.lastReload === null ? null : reloadOf(f.lastReload);
  } catch {
    return undefined;
  }
}

export function removeState(path: string, pid: number): void {
  if (readState(path, pid) === undefined) return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/**
 * Removes the PID file and the state file beside it, each only if it still names `pid`: what a
 * daemon that has gone (stopped, killed, or dead while starting) leaves behind.
 */
export function releaseDaemonFiles(pidFile: string, pid: number): void {
  releasePidFile(pidFile, pid);
  removeState(stateFilePath(pidFile), pid);
}

// ---- checks of what a file holds ---------------------------------------------------------------

const STATUSES: readonly unknown[] = ['up', 'down', 'error'] satisfies ProbeStatus[];

function date(v: unknown): Date | undefined {
  if (typeof v !== 'string') return undefined;
  const t = new Date(v);
  return Number.isNaN(t.getTime()) ? undefined : t;
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function nullOr(v: unknown, type: 'string'): boolean {
  return v === null || v === undefined || typeof v === type;
}

function isTarget(v: unknown): v is ProbeTarget {
  const t = v as ProbeTarget;
  return (
    typeof t === 'object' &&
    t !== null &&
    typeof t.host === 'string' &&
    isCount(t.intervalMs) &&
    isCount(t.timeoutMs) &&
    isCount(t.count)
  );
}

function isStartedBy(v: unknown): v is StartedBy {
  const s = v as StartedBy;
  return (
    typeof s === 'object' &&
    s !== null &&
    Array.isArray(s.args) &&
    s.args.every((a) => typeof a === 'string') &&
    typeof s.cwd === 'string' &&
    typeof s.env === 'object' &&
    s.env !== null &&
    Object.values(s.env).every((e) => typeof e === 'string')
  );
}

function reloadOf(v: unknown): LastReload | undefined {
  const r = v as Serialized<LastReload> | undefined;
  const time = date(r?.time);
  if (r === undefined || time === undefined || typeof r.ok !== 'boolean') return undefined;
  const reload: LastReload = { time, ok: r.ok };
  if (typeof r.error === 'string') reload.error = r.error;
  if (Array.isArray(r.warnings)) reload.warnings = r.warnings.filter((w) => typeof w === 'string');
  return reload;
}

function resultOf(v: unknown): ProbeResult | undefined {
  const r = v as ProbeResult | undefined;
  if (typeof r !== 'object' || r === null || !STATUSES.includes(r.status)) return undefined;
  const result: ProbeResult = { status: r.status };
  if (typeof r.rttMs === 'number') result.rttMs = r.rttMs;
  if (typeof r.lossPct === 'number') result.lossPct = r.lossPct;
  if (typeof r.error === 'string') result.error = r.error;
  return result;
}

function hostStatsOf(v: unknown): HostStats | undefined {
  const h = v as Serialized<HostStats> | undefined;
  if (typeof h !== 'object' || h === null) return undefined;
  const counts = [h.probes, h.skipped, h.missed, h.up, h.down, h.error];
  if (!counts.every(isCount)) return undefined;
  const stats: HostStats = {
    probes: h.probes,
    skipped: h.skipped,
    missed: h.missed,
    up: h.up,
    down: h.down,
    error: h.error,
  };
  if (h.last !== undefined) {
    const time = date(h.last.time);
    const result = resultOf(h.last.result);
    if (time === undefined || result === undefined || !isCount(h.last.seq)) return undefined;
    stats.last = { time, seq: h.last.seq, result };
  }
  if (STATUSES.includes(h.state)) stats.state = h.state as ProbeStatus;
  const since = date(h.stateSince);
  if (since !== undefined) stats.stateSince = since;
  if (typeof h.addr === 'string') stats.addr = h.addr;
  const windows = windowsOf(h.windows);
  if (windows !== undefined) stats.windows = windows;
  return stats;
}

const HEALTH_STATES: readonly unknown[] = [
  'unknown',
  'up',
  'degraded',
  'down',
] satisfies HealthState[];

/** Each host's state; absent from files written before hosts had one. */
function healthOf(v: unknown): Record<string, HealthSummary> | undefined {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null) return undefined;
  const out: Record<string, HealthSummary> = {};
  for (const [host, value] of Object.entries(v)) {
    const h = value as Serialized<HealthSummary>;
    if (typeof h !== 'object' || h === null || !HEALTH_STATES.includes(h.state)) return undefined;
    if (!isCount(h.changes)) return undefined;
    out[host] = {
      state: h.state as HealthState,
      since: date(h.since),
      reason: typeof h.reason === 'string' ? h.reason : undefined,
      changes: h.changes,
    };
  }
  return out;
}

/** `status`'s 1, 5 and 15-minute figures; absent (not refused) when not all well formed. */
function windowsOf(v: unknown): HostStats['windows'] {
  if (typeof v !== 'object' || v === null) return undefined;
  const out: Record<string, WindowFigures> = {};
  const number = (n: unknown): number | undefined => (typeof n === 'number' ? n : undefined);
  for (const name of WINDOWS_MIN.map((m) => `${m}m`)) {
    const w = (v as Record<string, Partial<WindowFigures>>)[name];
    if (typeof w !== 'object' || w === null || !isCount(w.probes)) return undefined;
    out[name] = {
      probes: w.probes,
      lossPct: number(w.lossPct),
      medianRttMs: number(w.medianRttMs),
      complete: w.complete !== false,
    };
  }
  return out as HostStats['windows'];
}

function statsOf(v: unknown): ServiceStats | undefined {
  const s = v as Serialized<ServiceStats> | undefined;
  if (typeof s !== 'object' || s === null || !isCount(s.lostLines)) return undefined;
  if (typeof s.hosts !== 'object' || s.hosts === null) return undefined;
  const hosts: Record<string, HostStats> = {};
  for (const [host, value] of Object.entries(s.hosts)) {
    const stats = hostStatsOf(value);
    if (stats === undefined) return undefined;
    hosts[host] = stats;
  }
  const problem = s.logProblem as { text?: unknown; since?: unknown } | undefined;
  const since = date(problem?.since);
  const logProblem =
    typeof problem?.text === 'string' && since !== undefined
      ? { text: problem.text, since }
      : undefined;
  return { hosts, lostLines: s.lostLines, ...(logProblem ? { logProblem } : {}) };
}
