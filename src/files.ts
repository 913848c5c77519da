// Opening the daemon's files with errors an administrator can act on: the path, the reason in
// words, and the option that changes it.
import { accessSync, closeSync, constants, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeErrno, PingDaemonError, StartupError } from './errors.js';

/** Wraps an fs failure on `path` as `cannot write PATH: REASON; choose another path with FLAG`. */
export function cannotWrite(path: string, flag: string, err: unknown): StartupError {
  return new StartupError(
    `cannot write ${path}: ${describeErrno(err)}; choose another path with ${flag}`,
    { cause: err },
  );
}

/** Runs `open`, turning an fs error (not one of ours) into the one-line StartupError above. */
export function openOrExplain<T>(path: string, flag: string, open: () => T): T {
  try {
    return open();
  } catch (err) {
    if (err instanceof PingDaemonError) throw err;
    throw cannotWrite(path, flag, err);
  }
}

/** Checks that `path` can be opened for append (creating it, as the daemon will) without writing. */
export function checkAppendable(path: string, flag: string): void {
  openOrExplain(path, flag, () =>
    closeSync(openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o666)),
  );
}

/**
 * Checks that the PID file's directory is writable (the daemon creates the file there). The
 * default per-user directory (~/.local/state/ping-daemon) is created, private, when missing.
 */
export function checkPidDirectory(pidFile: string, isDefault: boolean): void {
  const dir = dirname(pidFile);
  openOrExplain(pidFile, '--pid-file', () => {
    if (isDefault) mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
  });
}
