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
  historyDir: string | undefined;
  /** Host names or globs (`*`, `?`), canonical; empty: every host. */
  hosts: string[];
  /** The span drawn, ms since the epoch. */
  from: number;
  to: number;
  output: string | undefined;
  /** Where the probes come from: the history when there is one, or the ping log. */
  source: 'auto' | 'history' | 'log';
  scale: 'auto' | 'shared' | 'log';
  /** One row per host; also chosen for more than OVERVIEW_FROM hosts. */
  overview: boolean;
}

/** More hosts than this are drawn as an overview unless --no-overview. */
export const OVERVIEW_FROM = 12;
/** The longest span a graph takes: ten years. */
const MAX_SPAN_MS = 10 * 366 * 86_400_000;

/** `--since`/`--until`: a date (`2026-11-30`, `2026-11-30T12:00`), or a duration back from `now`. */
export function timeOf(flag: string, value: unknown, now: number): number {
  const text = String(value).trim();
  const ago = parseDuration(text);
  if (ago !== undefined && ago <= MAX_SPAN_MS) return now - ago;
  // A date alone is local midnight (Date.parse would take it as UTC).
  const t = /^\d{4}-\d\d-\d\d/.test(text)
    ? Date.parse(/^\d{4}-\d\d-\d\d$/.test(text) ? `${text}T00:00` : text)
    : Number.NaN;
  if (Number.isNaN(t)) {
    fail(
      flag,
      'must be a positive duration like `3h`, `10d`, `2w`, `1y` (at most 10y) or a date like `2026-11-30` or `2026-11-30T12:00`',
      value,
    );
  }
  return t;
}

/**
 * `--since -1h`: yargs would read `-1h` as the flags -1 and -h and print the help. A time option
 * followed by a dash is refused before yargs sees it.
 */
export function refuseDashedTimes(args: readonly string[]): void {
  args.forEach((arg, i) => {
    const next = args[i + 1];
    if ((arg === '--since' || arg === '--until') && next !== undefined && /^-\d/.test(next)) {
      fail(
        arg,
        'must be a positive duration back from now, or a date; a time cannot be negative',
        next,
      );
    }
    const inline = /^--(since|until)=(-.*)$/.exec(arg);
    if (inline)
      fail(
        `--${inline[1]}`,
        'must be a positive duration back from now, or a date; a time cannot be negative',
        inline[2],
      );
  });
}

function globProblem(pattern: string): string | undefined {
  return /[*?]/.test(pattern) ? undefined : hostProblem(pattern);
}

export function graphOptions(
  argv: Record<string, unknown>,
  typed: Typed,
  now: number,
): GraphOptions {
  const given = typed('--host', '-H') ? [argv.host].flat() : [];
  const hosts = given.map((h) => {
    const text = String(h);
    const problem = globProblem(text);
    if (problem !== undefined) fail('--host', problem, text);
    return /[*?]/.test(text) ? text.toLowerCase() : canonicalHost(text);
  });
  const to = argv.until === undefined ? now : timeOf('--until', argv.until, now);
  const from =
    argv.since === undefined ? to - DEFAULT_GRAPH_SPAN_MS : timeOf('--since', argv.since, to);
  if (from >= to) {
    fail('--since', `must be before --until (${new Date(to).toISOString()})`, argv.since);
  }
  const scale = argv.scale === undefined ? 'auto' : String(argv.scale);
  if (scale !== 'auto' && scale !== 'shared' && scale !== 'log') {
    fail('--scale', 'must be auto, shared or log', argv.scale);
  }
  const source = argv.source === undefined ? 'auto' : String(argv.source);
  if (source !== 'auto' && source !== 'history' && source !== 'log') {
    fail('--source', 'must be auto, history or log', argv.source);
  }
  return {
    logFile: typeof argv.logFile === 'string' ? argv.logFile : undefined,
    historyDir: typeof argv.historyDir === 'string' ? argv.historyDir : undefined,
    hosts,
    from,
    to,
    output: typeof argv.output === 'string' ? argv.output : undefined,
    source,
    scale,
    overview: argv.overview === true,
  };
}
