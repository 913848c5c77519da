// `ping-daemon logs [-n N] [-f]`: the end of the ping log, then (with -f) every new line, like
// `tail -F`; filtered, converted to JSON, or summarised.

import { closeSync, fstatSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandContext } from '../command-line.js';
import { parseDuration } from '../duration.js';
import { ControlError, describeErrno, ExitCode } from '../errors.js';
import { hostProblem } from '../host.js';
import { type LogEvent, parseLogLine } from '../log-line.js';
import { render, type View } from '../log-view.js';
import { show } from '../option-checks.js';
import { DEFAULTS } from '../options.js';
import { inspectForControl } from '../pid-file.js';
import { readState, stateFilePath } from '../state-file.js';
import { formatSummary, summarise } from '../summary.js';
import { Follower, lastLines } from '../tail.js';

export const DEFAULT_LINES = 20;

/**
 * The log to read: --log-file (command line, environment or config file); else the log of the
 * daemon running on this machine (its state file says); else the built-in default.
 */
function logFileOf(context: CommandContext): string {
  const { logFile } = context.argv;
  if (typeof logFile === 'string') return resolve(context.invocation.cwd, logFile);
  const pidFile = context.pidFile();
  const found = inspectForControl(pidFile);
  if (found.state === 'running') {
    const state = readState(stateFilePath(pidFile), found.pid);
    if (state) return state.logFile;
  }
  return DEFAULTS.logFile;
}

interface Filter {
  host: string | undefined;
  since: Date | undefined;
}

function filterOf(context: CommandContext): Filter {
  const host = context.typed('--host', '-H') ? String(context.argv.host) : undefined;
  if (host !== undefined && hostProblem(host)) {
    throw new ControlError(`--host ${hostProblem(host)}, got ${show(host)}`, ExitCode.usage);
  }
  let since: Date | undefined;
  if (context.argv.since !== undefined) {
    const ms = parseDuration(context.argv.since);
    if (ms === undefined) {
      throw new ControlError(
        `--since must be a positive duration like \`10m\`, got ${show(context.argv.since)}`,
        ExitCode.usage,
      );
    }
    since = new Date(Date.now() - ms);
  }
  return { host, since };
}

function passes(filter: Filter, event: LogEvent | undefined): boolean {
  if (filter.host !== undefined && event?.host !== filter.host) return false;
  if (filter.since !== undefined && (!event?.time || event.time < filter.since)) return false;
  return true;
}

/** Exits quietly when the reader goes away (`logs | head -1`) or on Ctrl-C. */
function exitQuietlyOnHangup(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    process.exit(err.code === 'EPIPE' ? ExitCode.ok : ExitCode.failure);
  });
  process.on('SIGINT', () => process.exit(ExitCode.ok));
  process.on('SIGPIPE', () => process.exit(ExitCode.ok));
}

export async function logsCommand(context: CommandContext): Promise<number> {
  const path = logFileOf(context);
  const filter = filterOf(context);
  const follow = context.argv.follow === true;
  const summary = context.argv.summary === true;
  const count =
    context.argv.lines === undefined
      ? summary
        ? Number.POSITIVE_INFINITY
        : DEFAULT_LINES
      : Number(context.argv.lines);
  if (!(count >= 0)) {
    throw new ControlError(
      `-n must be a number of lines, got ${show(context.argv.lines)}`,
      ExitCode.usage,
    );
  }
  const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const view: View = context.argv.json === true ? 'json' : process.stdout.isTTY ? 'pretty' : 'raw';
  exitQuietlyOnHangup();

  const out = (line: string): void => {
    const event = parseLogLine(line);
    if (!passes(filter, event)) return;
    const text = render(view, line, event, colour);
    if (text !== '') process.stdout.write(`${text}\n`);
  };

  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (!follow || (err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ControlError(
        `cannot read ${path}: ${describeErrno(err)}; name the log with --log-file`,
        ExitCode.failure,
      );
    }
  }
  let position = 0;
  if (fd !== undefined) {
    const end = fstatSync(fd).size;
    const { lines, next } = lastLines(fd, end, Number.isFinite(count) ? count : end);
    closeSync(fd);
    position = next;
    if (summary) {
      const events = lines
        .map(parseLogLine)
        .filter((e): e is LogEvent => e !== undefined && passes(filter, e));
      process.stdout.write(formatSummary(summarise(events)));
      return ExitCode.ok;
    }
    for (const line of lines) out(line);
  }
  if (!follow) return ExitCode.ok;
  const follower = new Follower(path, out);
  follower.start(position);
  return new Promise<number>(() => {
    // Runs until SIGINT, SIGTERM or a closed stdout.
  });
}
