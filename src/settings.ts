// Validation of option values and their conversion to typed Settings. Pure: the same checks
// serve the command line, the environment and the config file; only the message prefix differs.
import { resolve } from 'node:path';
import { formatDuration, parseDuration } from './duration.js';
import { UsageError } from './errors.js';
import { hostProblem } from './host.js';
import {
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TIMEOUT_SHARE,
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
  PACKET_GAP_MS,
  type Place,
} from './options.js';

export interface Settings {
  host: string;
  intervalMs: number;
  timeoutMs: number;
  count: number;
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

/** The shortest wait for a reply worth asking ping for. */
export const MIN_REPLY_WAIT_MS = 5;

/** The most echo requests one probe may send. */
export const MAX_COUNT = 100;

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

/** Number-like option values from the environment arrive as strings. */
function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  return typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
}

const checks: Record<OptionKey, Check> = {
  host: (v) => (typeof v === 'string' ? hostProblem(v) : 'must be a host name or address'),
  interval: durationCheck,
  timeout: durationCheck,
  count: (v) => {
    const n = toNumber(v);
    return Number.isInteger(n) && n >= 1 && n <= MAX_COUNT
      ? undefined
      : `must be a whole number from 1 to ${MAX_COUNT}`;
  },
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

/** Turns merged option values (yargs' argv) into typed Settings, or throws a UsageError. */
export function resolveSettings(
  argv: Record<string, unknown>,
  place: Place,
  mode: Mode,
  cwd = process.cwd(),
): Settings {
  for (const key of optionKeys) {
    const value = argv[key];
    if (value === undefined) continue;
    const problem = optionProblem(key, value);
    if (problem) throw new UsageError(problem);
  }
  const host = argv.host as string | undefined;
  if (host === undefined) {
    throw new UsageError(
      `no host to ping: give --host HOST, set ${envName('host')}, or set "host" in the config file`,
    );
  }
  const intervalMs = parseDuration(argv.interval ?? DEFAULTS.interval) as number;
  const timeoutMs =
    argv.timeout === undefined
      ? Math.min(DEFAULT_TIMEOUT_MS, Math.floor(intervalMs * DEFAULT_TIMEOUT_SHARE))
      : (parseDuration(argv.timeout) as number);
  if (timeoutMs >= intervalMs) {
    throw new UsageError(
      `--timeout (${formatDuration(timeoutMs)}) must be shorter than --interval (${formatDuration(intervalMs)})`,
    );
  }
  const count = toNumber(argv.count ?? DEFAULTS.count);
  // Echo requests go PACKET_GAP_MS apart; the last one still needs time for its reply.
  const neededMs = (count - 1) * PACKET_GAP_MS + MIN_REPLY_WAIT_MS;
  if (timeoutMs < neededMs) {
    const why = count === 1 ? '' : ` for --count ${count} (packets go ${PACKET_GAP_MS}ms apart)`;
    throw new UsageError(
      `--timeout (${formatDuration(timeoutMs)}) is too short${why}; it must be at least ${formatDuration(neededMs)}`,
    );
  }
  const optionalPath = (key: OptionKey): string | undefined =>
    typeof argv[key] === 'string' ? resolve(cwd, argv[key] as string) : undefined;
  const pidFile = resolvePidFile(argv, place, cwd);
  return {
    host,
    intervalMs,
    timeoutMs,
    count,
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
