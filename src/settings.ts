// Validation of option values and their conversion to typed Settings. Pure: the same checks
// serve the command line, the environment and the config file; only the message prefix differs.

import { isIPv6 } from 'node:net';
import { resolve } from 'node:path';
import { parseDuration } from './duration.js';
import { UsageError } from './errors.js';
import { hostProblem } from './host.js';
import {
  DEFAULTS,
  defaultPidFile,
  defaultServiceLog,
  ENV_PREFIX,
  envName,
  type Format,
  flagName,
  formats,
  type LogLevel,
  logLevels,
  type OptionKey,
  optionKeys,
  type Place,
} from './options.js';
import {
  countProblem,
  type HostEntry,
  hostEntryProblem,
  resolveTargets,
  splitHosts,
  type Target,
  toEntry,
  toNumber,
} from './targets.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface Settings {
  /** The hosts, each with its own timing; at least one. */
  targets: Target[];
  /** The most ping processes at once, all hosts together. */
  maxInflight: number;
  /** The Prometheus endpoint; `undefined`: off. */
  metricsListen: ListenAddress | undefined;
  logFile: string;
  format: Format;
  pidFile: string;
  /** `undefined`: stderr (`run` without `--service-log`). */
  serviceLog: string | undefined;
  logLevel: LogLevel;
  umask: number;
  user: string | undefined;
  group: string | undefined;
  /** `undefined`: the system PATH of SPEC §6. */
  pingDir: string | undefined;
  configFile: string | undefined;
}

type Check = (value: unknown) => string | undefined;

const durationCheck: Check = (v) =>
  parseDuration(v) === undefined ? 'must be a positive duration like `3s` or `500ms`' : undefined;
const pathCheck: Check = (v) =>
  typeof v !== 'string' || v.length === 0 || v.includes('\0') ? 'must be a file path' : undefined;
const nameCheck: Check = (v) =>
  typeof v !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/.test(v)
    ? 'must be a user or group name or a numeric id'
    : undefined;
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `must be one of ${values.join(', ')}`;

/** `127.0.0.1:9469`, `[::1]:9469`, `localhost:9469` → host and port; undefined if malformed. */
export function parseListen(value: unknown): ListenAddress | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  if (!m) return undefined;
  const host = (m[1] ?? m[2]) as string;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  if (m[1] !== undefined ? !isIPv6(host) : hostProblem(host) !== undefined) return undefined;
  return { host, port };
}

const checks: Record<OptionKey, Check> = {
  host: (v) => {
    const hosts = splitHosts(v);
    if (hosts.length === 0) return 'must be a host name or address';
    const bad = hosts.map(hostProblem).find((p) => p !== undefined);
    return bad;
  },
  hosts: (v) => {
    if (!Array.isArray(v)) return 'must be a list of hosts';
    for (const [i, entry] of v.entries()) {
      const problem = hostEntryProblem(entry);
      if (problem) return `entry ${i + 1} (${show(entry)}) ${problem}`;
    }
    return undefined;
  },
  interval: durationCheck,
  timeout: durationCheck,
  count: countProblem,
  maxInflight: (v) => {
    const n = toNumber(v);
    return Number.isInteger(n) && n >= 1 && n <= 10_000
      ? undefined
      : 'must be a whole number from 1 to 10000';
  },
  metricsListen: (v) =>
    parseListen(v) === undefined
      ? 'must be ADDRESS:PORT like `127.0.0.1:9469` or `[::1]:9469`'
      : undefined,
  logFile: pathCheck,
  format: oneOf(formats),
  pidFile: pathCheck,
  serviceLog: pathCheck,
  logLevel: oneOf(logLevels),
  umask: (v) =>
    typeof v === 'string' && /^[0-7]{1,4}$/.test(v)
      ? undefined
      : 'must be an octal mask like `022` (a string in a config file)',
  user: nameCheck,
  group: nameCheck,
  pingDir: pathCheck,
};

/** JSON types a config file may use for each key. */
export const jsonTypes: Record<OptionKey, readonly string[]> = {
  host: ['string'],
  hosts: ['array'],
  maxInflight: ['number'],
  metricsListen: ['string'],
  interval: ['string', 'number'],
  timeout: ['string', 'number'],
  count: ['number'],
  logFile: ['string'],
  format: ['string'],
  pidFile: ['string'],
  serviceLog: ['string'],
  logLevel: ['string'],
  umask: ['string'],
  user: ['string'],
  group: ['string'],
  pingDir: ['string'],
};

/** A value as it is shown in a message: quoted, control characters escaped, cut short. */
export function show(value: unknown): string {
  const text =
    typeof value === 'string' ? JSON.stringify(value).slice(1, -1) : JSON.stringify(value);
  const short = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return `\`${short}\``;
}

/** `--interval must be a positive duration like `3s`, got `abc``, or undefined when valid. */
export function optionProblem(
  key: OptionKey,
  value: unknown,
  name = flagName(key),
): string | undefined {
  // Several hosts: name the one that is wrong, not the whole list.
  if (key === 'host' && typeof value !== 'string' && Array.isArray(value)) {
    for (const host of splitHosts(value)) {
      const problem = optionProblem(key, host, name);
      if (problem) return problem;
    }
  }
  const problem = checks[key](value);
  return problem === undefined ? undefined : `${name} ${problem}, got ${show(value)}`;
}

export function isOptionKey(key: string): key is OptionKey {
  return (optionKeys as readonly string[]).includes(key);
}

/**
 * Checks `PING_DAEMON_*` variables before yargs reads them, so that a bad value is named by the
 * variable that holds it rather than by a flag the user never typed.
 */
export function checkEnvironment(env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(`${ENV_PREFIX}_`) || value === undefined) continue;
    const key = name
      .slice(ENV_PREFIX.length + 1)
      .toLowerCase()
      .replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (key === 'config') continue;
    if (key === 'hosts') {
      throw new UsageError(
        `${name} is not read: list hosts as ${envName('host')}=a,b, or as "hosts" in the config file`,
      );
    }
    if (!isOptionKey(key)) {
      const known = [...optionKeys, 'config'].map(envName).join(', ');
      throw new UsageError(`unknown environment variable ${name}; known: ${known}`);
    }
    const problem = optionProblem(key, value, name);
    if (problem) throw new UsageError(problem);
  }
}

export type Mode = 'run' | 'daemon';

/** Just the PID file, for the commands that only look for a running daemon. */
export function resolvePidFile(
  argv: Record<string, unknown>,
  place: Place,
  cwd = process.cwd(),
): string {
  const value = argv.pidFile;
  if (value === undefined) return defaultPidFile(place);
  const problem = optionProblem('pidFile', value);
  if (problem) throw new UsageError(problem);
  return resolve(cwd, value as string);
}

/**
 * The hosts: from the command line or the environment if given there (they replace the config
 * file's, as every option does), else the config file's `host` and `hosts` together.
 */
function hostEntries(
  argv: Record<string, unknown>,
  fromFile: Record<string, unknown> | undefined,
): HostEntry[] {
  const given = splitHosts(argv.host);
  const fileHosts = splitHosts(fromFile?.host);
  const fromCommandLine = given.length > 0 && given.join(',') !== fileHosts.join(',');
  const entries = fromCommandLine
    ? given.map(toEntry)
    : [...fileHosts, ...((fromFile?.hosts ?? []) as (string | HostEntry)[])].map(toEntry);
  if (entries.length === 0) {
    throw new UsageError(
      `no host to ping: give --host HOST, set ${envName('host')}, or set "host" or "hosts" in the config file`,
    );
  }
  return entries;
}

/**
 * Turns merged option values (yargs' argv) into typed Settings, or throws a UsageError.
 * `fromFile` is the config file as read, which tells whose hosts argv holds.
 */
export function resolveSettings(
  argv: Record<string, unknown>,
  place: Place,
  mode: Mode,
  cwd = process.cwd(),
  fromFile?: Record<string, unknown>,
): Settings {
  for (const key of optionKeys) {
    const value = argv[key];
    if (value === undefined) continue;
    const problem = optionProblem(key, value);
    if (problem) throw new UsageError(problem);
  }
  const targets = resolveTargets(hostEntries(argv, fromFile), {
    interval: argv.interval as string | undefined,
    timeout: argv.timeout as string | undefined,
    count: argv.count === undefined ? undefined : toNumber(argv.count),
  });
  const optionalPath = (key: OptionKey): string | undefined =>
    typeof argv[key] === 'string' ? resolve(cwd, argv[key] as string) : undefined;
  const pidFile = resolvePidFile(argv, place, cwd);
  return {
    targets,
    maxInflight: toNumber(argv.maxInflight ?? DEFAULTS.maxInflight),
    metricsListen: parseListen(argv.metricsListen),
    logFile: resolve(cwd, (argv.logFile as string | undefined) ?? DEFAULTS.logFile),
    format: (argv.format as Format | undefined) ?? DEFAULTS.format,
    pidFile,
    serviceLog:
      optionalPath('serviceLog') ??
      (mode === 'daemon' ? defaultServiceLog(place, pidFile) : undefined),
    logLevel: (argv.logLevel as LogLevel | undefined) ?? DEFAULTS.logLevel,
    umask: Number.parseInt((argv.umask as string | undefined) ?? DEFAULTS.umask, 8),
    user: argv.user as string | undefined,
    group: argv.group as string | undefined,
    pingDir: optionalPath('pingDir'),
    configFile: typeof argv.config === 'string' ? resolve(cwd, argv.config) : undefined,
  };
}
