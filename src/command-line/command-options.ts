// The options of the control commands (`logs`, `stop`), checked and converted in one place:
// the commands get typed values, and a bad value is a UsageError (exit 2) that names the flag
// and shows the value, worded as the service options' problems are. Pure.
import { formatDuration, MAX_INTERVAL_MS, parseDuration } from '../config/duration.js';
import { canonicalHost, hostProblem } from '../config/host.js';
import { problemText } from '../config/option-checks.js';
import { UsageError } from '../errors.js';

/** `logs` prints this many lines unless told (`--summary` reads them all). */
export const DEFAULT_LINES = 20;
/** `graph` draws the last day unless told. */
export const DEFAULT_GRAPH_SPAN_MS = 24 * 3_600_000;
/** `stop` (and `restart`) wait this long for the daemon to exit. */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

export interface LogsOptions {
  /** `undefined`: the running daemon's log (see logs.ts). */
  logFile: string | undefined;
  /** Only this host's lines, in its canonical spelling. */
  host: string | undefined;
  lines: number;
  /** Only lines newer than this many milliseconds ago. */
  sinceMs: number | undefined;
  follow: boolean;
  json: boolean;
  summary: boolean;
}

export interface StopOptions {
  timeoutMs: number;
  force: boolean;
}

/** Whether a flag was typed on this command line (CommandContext.typed). */
type Typed = (...flags: string[]) => boolean;

function fail(flag: string, problem: string, value: unknown): never {
  throw new UsageError(problemText(flag, problem, value));
}

/** A duration for a command: positive, at most a day. */
function duration(flag: string, value: unknown, example: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms > MAX_INTERVAL_MS) {
    fail(
      flag,
      `must be a positive duration like \`${example}\`, at most ${formatDuration(MAX_INTERVAL_MS)}`,
      value,
    );
  }
  return ms;
}

export function logsOptions(argv: Record<string, unknown>, typed: Typed): LogsOptions {
  const summary = argv.summary === true;
  // `--host` shares its name with the service option: only one typed here filters.
  const host = typed('--host', '-H') ? String(argv.host) : undefined;
  if (host !== undefined) {
    const problem = hostProblem(host);
    if (problem !== undefined) fail('--host', problem, host);
  }
  let lines = summary ? Number.POSITIVE_INFINITY : DEFAULT_LINES;
  if (argv.lines !== undefined) {
    const text = String(argv.lines);
    if (!/^\d+$/.test(text)) fail('-n', 'must be a number of lines', argv.lines);
    lines = Number(text);
  }
  return {
    logFile: typeof argv.logFile === 'string' ? argv.logFile : undefined,
    host: host === undefined ? undefined : canonicalHost(host),
    lines,
    sinceMs: argv.since === undefined ? undefined : duration('--since', argv.since, '10m'),
    follow: argv.follow === true,
    json: argv.json === true,
    summary,
  };
}

export function stopOptions(argv: Record<string, unknown>, typed: Typed): StopOptions {
  // `--timeout` shares its name with the probe timeout: only one typed here is a stop timeout.
  const timeoutMs = typed('--timeout')
    ? duration('--timeout', argv.timeout, '10s')
    : DEFAULT_STOP_TIMEOUT_MS;
  return { timeoutMs, force: argv.force === true };
}

export interface GraphOptions {
  logFile: string | undefined;
  host: string | undefined;
  /** The span drawn, ms since the epoch. */
  from: number;
  to: number;
  output: string | undefined;
}

/** `--until`: an ISO time (`2026-11-30T12:00`), or a duration ago (`1h`). */
function untilOf(value: unknown, now: number): number {
  const ago = parseDuration(value);
  if (ago !== undefined) return now - ago;
  const t =
    typeof value === 'string' && /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(t))
    fail('--until', 'must be a time like `2026-11-30T12:00` or a duration ago like `1h`', value);
  return t;
}

export function graphOptions(
  argv: Record<string, unknown>,
  typed: Typed,
  now: number,
): GraphOptions {
  const host = typed('--host', '-H') ? String(argv.host) : undefined;
  if (host !== undefined) {
    const problem = hostProblem(host);
    if (problem !== undefined) fail('--host', problem, host);
  }
  const to = argv.until === undefined ? now : untilOf(argv.until, now);
  const since =
    argv.since === undefined ? DEFAULT_GRAPH_SPAN_MS : duration('--since', argv.since, '24h');
  return {
    logFile: typeof argv.logFile === 'string' ? argv.logFile : undefined,
    host: host === undefined ? undefined : canonicalHost(host),
    from: to - since,
    to,
    output: typeof argv.output === 'string' ? argv.output : undefined,
  };
}
