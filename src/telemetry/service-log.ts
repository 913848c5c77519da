// The daemon's own log (docs/signals.md): pino JSON, one line per event. Written synchronously:
// events are rare (start, stop, reload, state changes), and a synchronous write is on disk before
// the process exits, whatever way it exits.
//
// Where it goes: the --service-log file; else stderr, as JSON lines prefixed with their syslog
// priority when stderr is systemd's journal (so `journalctl -p warning` works), pretty-printed
// when stderr is a terminal, plain JSON otherwise.
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isatty } from 'node:tty';
import { pino } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { LogLevel } from '../config/options.js';
import { describeErrno } from '../errors.js';
import { LogFile } from '../ping-log/log-file.js';
import { journalPriority, stderrIsJournal } from './journal.js';

export type Logger = pino.Logger;

export interface ServiceLog {
  logger: Logger;
  /** The file, when it is one (its path, whether this start created it). */
  file?: LogFile;
  /** Reopens the file at the path (SIGHUP, logrotate); a no-op on stderr. Throws on failure. */
  reopen(): void;
  close(): void;
}

export type Sink = 'file' | 'journal' | 'pretty' | 'json';

export function chooseSink(path: string | undefined, journal: boolean, tty: boolean): Sink {
  if (path !== undefined) return 'file';
  if (journal) return 'journal';
  return tty ? 'pretty' : 'json';
}

function ignoreErrors(write: () => void): void {
  try {
    write();
  } catch {
    // A service log line that cannot be written is dropped: logging must never stop the daemon.
  }
}

/** The warning when a log cannot follow its rotation (the old file stays open). */
export function reopenFailure(path: string, err: unknown): string {
  return `cannot reopen ${path}: ${describeErrno(err)}; still writing to the file opened before`;
}

/** The warning when a log's descriptor was found closed (a bug elsewhere): see LogFile. */
export function descriptorLost(path: string, fd: number): string {
  return `descriptor ${fd} of ${path} was closed or reused elsewhere in the daemon (a bug; please report it); opened the file again`;
}

/** `path` undefined: stderr (`run`). */
export function openServiceLog(path: string | undefined, level: LogLevel): ServiceLog {
  const options = { name: 'ping-daemon', level };
  switch (chooseSink(path, stderrIsJournal(), isatty(2))) {
    case 'file': {
      // Our own append file rather than pino.destination: the same safe opening as the ping log,
      // and a reopen that keeps the old file when the new one cannot be opened (sonic-boom
      // emits 'error' there, which nobody can handle in time and which ends the process).
      const file = new LogFile(path as string, {
        onReopenError: (err) => {
          if (err !== undefined) {
            logger.warn({ err }, reopenFailure(path as string, err));
          }
        },
        onDescriptorLost: (fd) => logger.error({ fd }, descriptorLost(path as string, fd)),
      });
      const sink = {
        // pino calls this inside logger.info() & co.: a full disk must not throw into the code
        // that logged. The line is lost; the ping log, not this one, is what must not lose any.
        write: (line: string) => ignoreErrors(() => file.write(line)),
      };
      const logger = pino(options, sink);
      return { logger, file, reopen: () => file.reopen(), close: () => file.close() };
    }
    case 'journal': {
      const journal = {
        write: (line: string) =>
          ignoreErrors(() => writeSync(2, `<${journalPriority(line)}>${line}`)),
      };
      return { logger: pino(options, journal), reopen: () => {}, close: () => {} };
    }
    case 'pretty': {
      // Loaded only here: a daemon never pays for it. The Debian package leaves it out (it
      // carries the bundle, not node_modules): then the JSON lines, as when piped.
      const pretty = prettyPrinter();
      if (pretty === undefined) return jsonOnStderr(options);
      const stream = pretty({
        destination: 2,
        sync: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,name',
        singleLine: true,
      });
      return { logger: pino(options, stream), reopen: () => {}, close: () => {} };
    }
    case 'json':
      return jsonOnStderr(options);
  }
}

function prettyPrinter(): typeof PinoPretty | undefined {
  try {
    return createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  } catch {
    return undefined;
  }
}

function jsonOnStderr(options: { name: string; level: LogLevel }): ServiceLog {
  const stderr = { write: (line: string) => ignoreErrors(() => writeSync(2, line)) };
  return { logger: pino(options, stderr), reopen: () => {}, close: () => {} };
}
