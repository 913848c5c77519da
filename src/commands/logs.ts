// `ping-daemon logs [-n N] [-f]`: the end of the ping log, then (with -f) every new line, like
// `tail -F`; filtered, converted to JSON, or summarised.

import { closeSync, fstatSync } from 'node:fs';
import { resolve } from 'node:path';
import { type LogsOptions, logsOptions } from '../command-line/command-options.js';
import type { CommandContext } from '../command-line/context.js';
import { endProcess } from '../command-line/end.js';
import { canonicalHost } from '../config/host.js';
import { DEFAULTS, historyDirOf } from '../config/options.js';
import { ControlError, describeErrno, ExitCode } from '../errors.js';
import { inspectForControl } from '../lifecycle/pid-file.js';
import { readState, stateFilePath } from '../lifecycle/state-file.js';
import { openForReading } from '../ping-log/files.js';
import { type LogEvent, parseLogLine } from '../ping-log/format.js';
import { completeEnd, linesBackward, linesForward } from '../reading/line-reader.js';
import { render, type View } from '../reading/log-view.js';
import { formatSummary, summarise } from '../reading/summary.js';
import { Follower } from '../reading/tail.js';

/**
 * The log to read: --log-file (command line, environment or config file); else the log of the
 * daemon running on this machine, or of its last run when it died (its state file says); else
 * the built-in default. When the file read is not one that was named or is being written, a
 * note on stderr says which it is.
 */
export function logFileOf(context: CommandContext, logFile: string | undefined): string {
  return daemonFilesOf(context, logFile).logFile;
}

/**
 * The ping log to read and the history beside it: those named, else the running daemon's (or
 * its last run's), else the defaults. `historyDir` is `undefined` when no daemon says (the
 * caller then looks beside the log), `null` when the daemon keeps none.
 */
export function daemonFilesOf(
  context: CommandContext,
  logFile: string | undefined,
): { logFile: string; historyDir: string | null | undefined } {
  if (logFile !== undefined) {
    return { logFile: resolve(context.invocation.cwd, logFile), historyDir: undefined };
  }
  const pidFile = context.pidFile();
  const found = inspectForControl(pidFile);
  const state =
    found.state === 'missing' || found.pid === undefined
      ? undefined
      : readState(stateFilePath(pidFile), found.pid);
  if (found.state === 'running' && state) return state;
  if (found.state === 'stale' && state) {
    note(
      `ping-daemon is not running (pid ${found.pid} is gone); reading the log of its last run, ${state.logFile}`,
    );
    return state;
  }
  note(
    `no ping-daemon runs with PID file ${pidFile}; reading the default log ${DEFAULTS.logFile} (name another with --log-file)`,
  );
  return { logFile: DEFAULTS.logFile, historyDir: undefined };
}

/** The history to use: `--history-dir`, else the running daemon's, else beside the log. */
export function historyDirFor(
  named: unknown,
  files: { logFile: string; historyDir: string | null | undefined },
  cwd: string,
): string | undefined {
  if (named === undefined && files.historyDir !== undefined) return files.historyDir ?? undefined;
  return historyDirOf(named, files.logFile, cwd);
}

/** A line for the person, on stderr, so that what goes through a pipe is the log alone. */
function note(text: string): void {
  process.stderr.write(`ping-daemon: ${text}\n`);
}

interface Filter {
  host: string | undefined;
  since: Date | undefined;
}

function filterOf(options: LogsOptions): Filter {
  const since = options.sinceMs === undefined ? undefined : new Date(Date.now() - options.sinceMs);
  return { host: options.host, since };
}

function passes(filter: Filter, event: LogEvent | undefined): boolean {
  if (
    filter.host !== undefined &&
    (event?.host === undefined || canonicalHost(event.host) !== filter.host)
  )
    return false;
  if (filter.since !== undefined && (!event?.time || event.time < filter.since)) return false;
  return true;
}

/**
 * Ends `logs` quietly when its reader goes away (`logs | head -1`) or on Ctrl-C: `stop` ends the
 * reading, and the process ends as all of ours do (endProcess: never process.exit() at once,
 * which can hang). A second Ctrl-C ends it at once, by the signal.
 */
function onHangup(stop: (code: number) => void): void {
  let ended = false;
  const end = (code: number): void => {
    if (ended) return;
    ended = true;
    stop(code);
    endProcess(code);
  };
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    end(err.code === 'EPIPE' ? ExitCode.ok : ExitCode.failure);
  });
  process.once('SIGINT', () => end(ExitCode.ok));
  process.on('SIGPIPE', () => end(ExitCode.ok));
}

/** Writes to stdout, waiting when a slow reader lets Node's queue grow: memory stays bounded. */
class Output {
  #buffer = '';

  async line(text: string): Promise<void> {
    this.#buffer += `${text}\n`;
    if (this.#buffer.length >= 64 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    const text = this.#buffer;
    this.#buffer = '';
    if (text !== '' && !process.stdout.write(text)) {
      await new Promise((resolve) => process.stdout.once('drain', resolve));
    }
  }
}

/** The most lines held in memory to print them in order; past it, a second pass reads them. */
const HELD_LINES = 10_000;

/** A cheap look for the host's name in a line, before the line is parsed. */
function mayPass(filter: Filter): (text: string) => boolean {
  if (filter.host === undefined) return () => true;
  const name = new RegExp(filter.host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
  return (text) => name.test(text);
}

/**
 * The last `count` lines that pass `filter` (all of them for an infinite count), read backwards
 * from `end`, counting only matching lines, and stopping at the first line older than `--since`
 * (lines are written in time order). Holds them when they are few; else says where the first
 * of them starts, for a second, forward pass.
 */
function findWanted(
  fd: number,
  end: number,
  count: number,
  filter: Filter,
): { held: [string, LogEvent | undefined][] } | { from: number } {
  if (count === Number.POSITIVE_INFINITY && filter.since === undefined) return { from: 0 };
  const held: [string, LogEvent | undefined][] = [];
  if (count === 0) return { held };
  const quick = mayPass(filter);
  let from = end;
  let found = 0;
  for (const line of linesBackward(fd, end)) {
    if (!quick(line.text) && filter.since === undefined) continue;
    const event = parseLogLine(line.text);
    if (filter.since !== undefined && event?.time && event.time < filter.since) break;
    if (!passes(filter, event)) continue;
    from = line.start;
    if (found < HELD_LINES) held.push([line.text, event]);
    if (++found >= count) break;
  }
  return found <= HELD_LINES ? { held: held.reverse() } : { from };
}

export async function logsCommand(context: CommandContext): Promise<number> {
  const options = logsOptions(context.argv, context.typed);
  const path = logFileOf(context, options.logFile);
  const filter = filterOf(options);
  const { follow, summary, lines: count } = options;
  const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const view: View = options.json ? 'json' : process.stdout.isTTY ? 'pretty' : 'raw';
  // Set once the reader has gone or Ctrl-C came: printing stops, and so does following.
  let hungUp: number | undefined;
  let follower: Follower | undefined;
  let endFollowing: ((code: number) => void) | undefined;
  onHangup((code) => {
    hungUp = code;
    follower?.stop();
    endFollowing?.(code);
  });

  const output = new Output();
  const display = (line: string, event: LogEvent | undefined): string | undefined => {
    if (!passes(filter, event)) return undefined;
    const text = render(view, line, event, colour);
    return text === '' ? undefined : text;
  };

  let fd: number | undefined;
  try {
    fd = openForReading(path);
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
    try {
      const end = completeEnd(fd, fstatSync(fd).size);
      position = end;
      // Backwards to find the wanted lines (holding them when they are few), then forwards to
      // show or summarise them in order: both streaming, memory bounded whatever the file.
      const wanted = findWanted(fd, end, count, filter);
      const source = fd;
      const lines = function* (): Generator<[string, LogEvent | undefined]> {
        if ('held' in wanted) {
          yield* wanted.held;
          return;
        }
        const quick = mayPass(filter);
        for (const line of linesForward(source, wanted.from, end)) {
          if (quick(line.text)) yield [line.text, parseLogLine(line.text)];
        }
      };
      if (summary) {
        const events = function* (): Generator<LogEvent> {
          for (const [, event] of lines()) {
            if (event !== undefined && passes(filter, event)) yield event;
          }
        };
        const summaries = summarise(events());
        // --json: one object per host, the figures' names as in docs/statistics.md.
        const text = options.json
          ? summaries.map((s) => JSON.stringify(s)).join('\n')
          : formatSummary(summaries).trimEnd();
        await output.line(text);
        await output.flush();
        return ExitCode.ok;
      }
      for (const [line, event] of lines()) {
        if (hungUp !== undefined) return hungUp;
        const text = display(line, event);
        if (text !== undefined) await output.line(text);
      }
      await output.flush();
    } finally {
      closeSync(fd);
    }
  }
  if (!follow || hungUp !== undefined) return hungUp ?? ExitCode.ok;
  if (fd === undefined) note(`${path} does not exist yet; waiting for it`);
  follower = new Follower(path, (line) => {
    const text = display(line, parseLogLine(line));
    if (text !== undefined) process.stdout.write(`${text}\n`);
  });
  follower.start(position);
  // Runs until SIGINT, a closed stdout, or SIGTERM (which ends the process by the signal).
  return new Promise<number>((resolve) => {
    endFollowing = resolve;
  });
}
