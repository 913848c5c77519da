// The hosts to ping and the timing of each (docs/command-line.md, many hosts): `--host`
// (repeatable, or comma-separated), or `host`/`hosts` in the config file, where an entry may carry
// its own interval, timeout and count. Pure.

import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import type { AlertRules } from '../alerts/state.js';
import { UsageError } from '../errors.js';
import type { ProbeOptions } from '../probing/probe.js';
import { defaultTimeoutMs, minimumTimeoutMs, PACKET_GAP_MS } from '../probing/timing.js';
import { formatDuration, parseDuration } from './duration.js';
import { canonicalHost } from './host.js';
import { parseByte, parsePercent, splitUrls, toNumber } from './option-checks.js';
import { DEFAULTS, type HostEntryKey } from './options.js';
import type { ProbeMethod } from './prober.js';

/** Who hears of a host's state changes. */
export interface Channels {
  /** The program and its arguments; `undefined`: none. */
  onChange: string[] | undefined;
  webhooks: string[];
  /** Alertmanagers' URLs (their v2 API is under each). */
  alertmanagers: string[];
  hookTimeoutMs: number;
}

/** What probing needs to know of a host. */
export interface ProbeTarget {
  host: string;
  intervalMs: number;
  timeoutMs: number;
  count: number;
  /** How ping sends (family, size, TTL, TOS, source); absent fields are ping's defaults. */
  options?: ProbeOptions;
}

export interface Target extends ProbeTarget {
  alerts: AlertRules;
  notify: Channels;
}

/**
 * A `hosts` entry of the config file: a host, or a host with its own timing, thresholds and
 * channels. The values are checked (option-checks.ts) before an entry is used.
 */
export type HostEntry = { host: string } & { [K in HostEntryKey]?: unknown };

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
  cwd: string,
): Target {
  // The host's own value of an option, else the option's.
  const pick: Pick = (key) => entry[key] ?? defaults[key];
  const intervalMs = parseDuration(pick('interval') ?? DEFAULTS.interval) as number;
  const timeout = pick('timeout');
  const timeoutMs =
    timeout === undefined ? defaultTimeoutMs(intervalMs) : (parseDuration(timeout) as number);
  if (timeoutMs >= intervalMs) {
    throw new UsageError(
      `${label('timeout')} (${formatDuration(timeoutMs)}) must be shorter than ${label('interval')} (${formatDuration(intervalMs)})`,
    );
  }
  const count = toNumber(pick('count') ?? DEFAULTS.count);
  const neededMs = minimumTimeoutMs(count);
  if (timeoutMs < neededMs) {
    const why =
      count === 1 ? '' : ` for ${label('count')} ${count} (packets go ${PACKET_GAP_MS}ms apart)`;
    throw new UsageError(
      `${label('timeout')} (${formatDuration(timeoutMs)}) is too short${why}; it must be at least ${formatDuration(neededMs)}`,
    );
  }
  const options = probeOptionsOf(pick);
  const literal = isIP(entry.host);
  if (options.family !== undefined && literal !== 0 && literal !== options.family) {
    throw new UsageError(
      `host ${entry.host} is an IPv${literal} address; ${label('family')} ${options.family} cannot ping it`,
    );
  }
  return {
    host: entry.host,
    intervalMs,
    timeoutMs,
    count,
    ...(Object.keys(options).length > 0 ? { options } : {}),
    alerts: alertsOf(pick),
    notify: channelsOf(pick, cwd),
  };
}

type Pick = (key: HostEntryKey) => unknown;

/** A host's probe options; ping's defaults are left out. */
function probeOptionsOf(pick: Pick): ProbeOptions {
  const options: ProbeOptions = {};
  const family = pick('family');
  if (family !== undefined && String(family) !== 'auto') options.family = Number(family) as 4 | 6;
  const size = pick('size');
  if (size !== undefined) options.size = toNumber(size);
  const ttl = pick('ttl');
  if (ttl !== undefined) options.ttl = toNumber(ttl);
  const tos = pick('tos');
  if (tos !== undefined) options.tos = parseByte(tos) as number;
  const source = pick('source');
  if (source !== undefined) options.source = String(source);
  return options;
}

/** A host's thresholds. */
function alertsOf(pick: Pick): AlertRules {
  const duration = (key: HostEntryKey): number | undefined => {
    const value = pick(key);
    return value === undefined ? undefined : parseDuration(value);
  };
  const degradedLoss = pick('degradedLoss');
  return {
    downAfter: toNumber(pick('downAfter') ?? DEFAULTS.downAfter),
    upAfter: toNumber(pick('upAfter') ?? DEFAULTS.upAfter),
    window: toNumber(pick('window') ?? DEFAULTS.window),
    degradedRttMs: duration('degradedRtt'),
    degradedLossPct: degradedLoss === undefined ? undefined : parsePercent(degradedLoss),
    remindEveryMs: duration('remindEvery'),
  };
}

/** A host's channels. A relative program is found from `cwd`. */
function channelsOf(pick: Pick, cwd: string): Channels {
  const program = pick('onChange');
  const parts =
    program === undefined ? undefined : (Array.isArray(program) ? program : [program]).map(String);
  if (parts?.[0] !== undefined && !isAbsolute(parts[0])) parts[0] = resolve(cwd, parts[0]);
  return {
    onChange: parts,
    webhooks: splitUrls(pick('webhook')),
    alertmanagers: splitUrls(pick('alertmanager')),
    hookTimeoutMs: parseDuration(pick('hookTimeout') ?? DEFAULTS.hookTimeout) as number,
  };
}

/** All targets, each host once. */
export function resolveTargets(
  entries: HostEntry[],
  defaults: Omit<HostEntry, 'host'>,
  cwd = '/',
): Target[] {
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
    return targetOf(entry, defaults, label, cwd);
  });
}

/**
 * `pinging 127.0.0.1 every 3s`, or `pinging 3 hosts (a, b, c) every 1s` (or `every 1s-5s`), with
 * ` with fping` after it on the fleet prober.
 */
export function describeTargets(targets: ProbeTarget[], prober: ProbeMethod = 'ping'): string {
  const intervals = [...new Set(targets.map((t) => t.intervalMs))].sort((a, b) => a - b);
  const every =
    intervals.length === 1
      ? formatDuration(intervals[0] as number)
      : `${formatDuration(intervals[0] as number)}-${formatDuration(intervals.at(-1) as number)}`;
  const names = targets.map((t) => t.host);
  const shown = names.length > 4 ? `${names.slice(0, 3).join(', ')}, ...` : names.join(', ');
  const hosts = names.length === 1 ? shown : `${names.length} hosts (${shown})`;
  // The fleet prober is named; ping, the default, is not.
  return `pinging ${hosts} every ${every}${prober === 'fping' ? ' with fping' : ''}`;
}
