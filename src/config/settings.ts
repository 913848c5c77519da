// Turns merged option values into typed Settings: the hosts and their timing, paths resolved,
// defaults applied. Pure; the checks of single values are in option-checks.ts.

import { resolve } from 'node:path';
import { HOOK_ONLY_VARIABLES } from '../alerts/event.js';
import { UsageError } from '../errors.js';
import { fpingInstalled } from '../probing/ping-exec.js';
import { closest } from './closest.js';
import {
  isOptionKey,
  type ListenAddress,
  optionProblem,
  parseListen,
  splitHosts,
  toNumber,
} from './option-checks.js';
import {
  DEFAULTS,
  defaultPidFile,
  defaultServiceLog,
  ENV_PREFIX,
  envName,
  type Format,
  historyDirOf,
  hostEntryKeys,
  type LogLevel,
  type OptionKey,
  optionKeys,
  type Place,
  type Prober,
  vantageOf,
} from './options.js';
import { chooseProber, type ProbeMethod } from './prober.js';
import { type HostEntry, resolveTargets, type Target, toEntry } from './targets.js';

/** The prober that runs, and why: `auto` asks whether fping is where ping-daemon would run it. */
function proberSettings(
  argv: Record<string, unknown>,
  hosts: number,
  pingDir: string | undefined,
): Pick<Settings, 'prober' | 'proberWhy'> {
  const requested = (argv.prober as Prober | undefined) ?? DEFAULTS.prober;
  const { prober, why } = chooseProber(requested, hosts, () => fpingInstalled(pingDir));
  return { prober, proberWhy: why };
}

export interface Settings {
  /** The hosts, each with its own timing; at least one. */
  targets: Target[];
  /** The most ping processes at once, all hosts together. */
  maxInflight: number;
  /** The Prometheus endpoint; `undefined`: off. */
  metricsListen: ListenAddress | undefined;
  /** Where this daemon probes from (docs/fleets.md): a label on its metrics, alerts, JSON lines. */
  vantage: string;
  logFile: string;
  format: Format;
  pidFile: string;
  /** `undefined`: stderr (`run` without `--service-log`). */
  serviceLog: string | undefined;
  logLevel: LogLevel;
  umask: number;
  user: string | undefined;
  group: string | undefined;
  /** `undefined`: the system PATH of docs/bad-input.md. */
  pingDir: string | undefined;
  /** One `ping` per tick, or long-lived `fping` loops (docs/fleets.md), as chosen. */
  prober: ProbeMethod;
  /** Why that one (`--prober fping`, `auto: 120 hosts, fping from 10`). */
  proberWhy: string;
  /** Where consolidated history is kept; `undefined`: off (docs/graphs.md). */
  historyDir: string | undefined;
  configFile: string | undefined;
}

/**
 * Checks `PING_DAEMON_*` variables before yargs reads them, so that a bad value is named by the
 * variable that holds it rather than by a flag the user never typed.
 */
export function checkEnvironment(env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(`${ENV_PREFIX}_`) || value === undefined) continue;
    if (HOOK_ONLY_VARIABLES.has(name)) continue;
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
      const known = [...optionKeys, 'config'].map(envName);
      const near = closest(name, known);
      throw new UsageError(
        near === undefined
          ? `unknown environment variable ${name}; known: ${known.join(', ')}`
          : `unknown environment variable ${name} (did you mean ${near}?)`,
      );
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
  // Every option a hosts entry may carry, as the command line, environment or file gave it.
  const defaults = Object.fromEntries(hostEntryKeys.map((key) => [key, argv[key]]));
  const targets = resolveTargets(hostEntries(argv, fromFile), defaults, cwd);
  const optionalPath = (key: OptionKey): string | undefined =>
    typeof argv[key] === 'string' ? resolve(cwd, argv[key] as string) : undefined;
  const pidFile = resolvePidFile(argv, place, cwd);
  const logFile = resolve(cwd, (argv.logFile as string | undefined) ?? DEFAULTS.logFile);
  return {
    targets,
    maxInflight: toNumber(argv.maxInflight ?? DEFAULTS.maxInflight),
    metricsListen: parseListen(argv.metricsListen),
    vantage: vantageOf(argv.vantage),
    logFile,
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
    ...proberSettings(argv, targets.length, optionalPath('pingDir')),
    historyDir: historyDirOf(argv.historyDir, logFile, cwd),
    configFile: typeof argv.config === 'string' ? resolve(cwd, argv.config) : undefined,
  };
}
