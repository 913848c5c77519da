// The daemon's own log (SPEC §5): pino JSON, one line per event. Written synchronously: events
// are rare (start, stop, reload, state changes), and a synchronous write is on disk before the
// process exits, whatever way it exits.
import { pino } from 'pino';
import type { LogLevel } from './options.js';

export type Logger = pino.Logger;

export interface ServiceLog {
  logger: Logger;
  /** Reopens the file at the path (SIGHUP, logrotate); a no-op on stderr. */
  reopen(): void;
  close(): void;
}

/** `path` undefined: stderr (`run`). */
export function openServiceLog(path: string | undefined, level: LogLevel): ServiceLog {
  const destination =
    path === undefined
      ? pino.destination({ fd: 2, sync: true })
      : pino.destination({ dest: path, sync: true, append: true, mkdir: false });
  const logger = pino({ name: 'ping-daemon', level }, destination);
  return {
    logger,
    reopen: () => {
      if (path !== undefined) destination.reopen();
    },
    close: () => {
      if (path !== undefined) destination.end();
    },
  };
}
