// The hosts to ping and the timing of each (docs/command-line.md, many hosts): `--host`
// (repeatable, or comma-separated), or `host`/`hosts` in the config file, where an entry may carry
// its own interval, timeout and count. Pure.

import { UsageError } from '../errors.js';
import { defaultTimeoutMs, minimumTimeoutMs, PACKET_GAP_MS } from '../probing/timing.js';
import { formatDuration, parseDuration, probeDurationProblem } from './duration.js';
import { canonicalHost, hostProblem } from './host.js';
import { DEFAULTS } from './options.js';

export interface Target {
  host: string;
  intervalMs: number;
  timeoutMs: number;
  count: number;
}

/** A `hosts` entry of the config file: a host, or a host with its own timing. */
export interface HostEntry {
  host: string;
  interval?: string | number;
  timeout?: string | number;
  count?: number;
}

/** The most echo requests one probe may send. */
export const MAX_COUNT = 100;

const entryKeys = ['host', 'interval', 'timeout', 'count'];

/** Number-like option values from the environment arrive as strings. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  return typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
}

export function countProblem(v: unknown): string | undefined {
  const n = toNumber(v);
  return Number.isInteger(n) && n >= 1 && n <= MAX_COUNT
    ? undefined
    : `must be a whole number from 1 to ${MAX_COUNT}`;
}

/** `--host a,b --host c` (or PING_DAEMON_HOST=a,b) → [a, b, c]. */
export function splitHosts(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.flatMap((v) => String(v).split(',')).filter((h) => h !== '');
}

/** What is wrong with one `hosts` entry of a config file, or undefined. */
export function hostEntryProblem(entry: unknown): string | undefined {
  if (typeof entry === 'string') {
    const problem = hostProblem(entry);
    return problem && `host ${problem}`;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return 'must be a host or an object like {"host": "example.org", "interval": "10s"}';
  }
  const e = entry as Record<string, unknown>;
  const unknown = Object.keys(e).find((k) => !entryKeys.includes(k));
  if (unknown !== undefined)
    return `has an unknown key \`${unknown}\` (known: ${entryKeys.join(', ')})`;
  if (typeof e.host !== 'string') return 'needs "host", a string';
  const host = hostProblem(e.host);
  if (host) return `host ${host}`;
  for (const key of ['interval', 'timeout'] as const) {
    const problem = e[key] === undefined ? undefined : probeDurationProblem(e[key]);
    if (problem) return `${key} ${problem}`;
  }
  if (e.count !== undefined && (typeof e.count !== 'number' || countProblem(e.count))) {
    return `count ${countProblem(e.count) ?? 'must be a number'}`;
  }
  return undefined;
}

export function toEntry(entry: string | HostEntry): HostEntry {
  return typeof entry === 'string' ? { host: entry } : entry;
}

/**
 * The timing of one target: the interval; the timeout, by default 2 s or 80 % of a shorter
 * interval, and shorter than the interval; long enough for `count` packets 200 ms apart.
 */
export function targetOf(
  entry: HostEntry,
  defaults: Omit<HostEntry, 'host'>,
  label: (key: string) => string,
): Target {
  const interval = entry.interval ?? defaults.interval ?? DEFAULTS.interval;
  const intervalMs = parseDuration(interval) as number;
  const timeout = entry.timeout ?? defaults.timeout;
  const timeoutMs =
    timeout === undefined ? defaultTimeoutMs(intervalMs) : (parseDuration(timeout) as number);
  if (timeoutMs >= intervalMs) {
    throw new UsageError(
      `${label('timeout')} (${formatDuration(timeoutMs)}) must be shorter than ${label('interval')} (${formatDuration(intervalMs)})`,
    );
  }
  const count = toNumber(entry.count ?? defaults.count ?? DEFAULTS.count);
  const neededMs = minimumTimeoutMs(count);
  if (timeoutMs < neededMs) {
    const why =
      count === 1 ? '' : ` for ${label('count')} ${count} (packets go ${PACKET_GAP_MS}ms apart)`;
    throw new UsageError(
      `${label('timeout')} (${formatDuration(timeoutMs)}) is too short${why}; it must be at least ${formatDuration(neededMs)}`,
    );
  }
  return { host: entry.host, intervalMs, timeoutMs, count };
}

/** All targets, each host once. */
export function resolveTargets(entries: HostEntry[], defaults: Omit<HostEntry, 'host'>): Target[] {
  const seen = new Map<string, string>();
  return entries.map((given) => {
    // One host, one spelling: `LOCALHOST` and `localhost.` are `localhost`.
    const entry = { ...given, host: canonicalHost(given.host) };
    const before = seen.get(entry.host);
    if (before !== undefined) {
      const as = before === given.host ? '' : ` (as ${before} and ${given.host})`;
      throw new UsageError(`host ${entry.host} is listed twice${as}`);
    }
    seen.set(entry.host, given.host);
    const own =
      entry.interval !== undefined || entry.timeout !== undefined || entry.count !== undefined;
    const label = (key: string): string => (own ? `${key} of ${entry.host}` : `--${key}`);
    return targetOf(entry, defaults, label);
  });
}

/** `pinging 127.0.0.1 every 3s`, or `pinging 3 hosts (a, b, c) every 1s` (or `every 1s-5s`). */
export function describeTargets(targets: Target[]): string {
  const intervals = [...new Set(targets.map((t) => t.intervalMs))].sort((a, b) => a - b);
  const every =
    intervals.length === 1
      ? formatDuration(intervals[0] as number)
      : `${formatDuration(intervals[0] as number)}-${formatDuration(intervals.at(-1) as number)}`;
  const names = targets.map((t) => t.host);
  const shown = names.length > 4 ? `${names.slice(0, 3).join(', ')}, ...` : names.join(', ');
  const hosts = names.length === 1 ? shown : `${names.length} hosts (${shown})`;
  return `pinging ${hosts} every ${every}`;
}
