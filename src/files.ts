// Opening the daemon's files with errors an administrator can act on: the path, the reason in
// words, and the option that changes it.
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  statSync,
} from 'node:fs';
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

const fsError = (code: string, message: string): NodeJS.ErrnoException =>
  Object.assign(new Error(message), { code });

/** In /tmp and the like anyone may plant a symbolic link where the daemon will write. */
function inWorldWritableDirectory(path: string): boolean {
  try {
    return (statSync(dirname(path)).mode & 0o002) !== 0;
  } catch {
    return false;
  }
}

/**
 * Opens a log for appending, created 0666 & ~umask. Refuses what would let a daemon running as
 * root be turned against another file: a symbolic link in a world-writable directory (O_NOFOLLOW
 * there, atomically), and anything but a regular file (a FIFO would block every write).
 * O_NONBLOCK keeps the open itself from blocking on a FIFO; on a regular file it changes nothing.
 */
export function openForAppend(path: string): number {
  let flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK;
  if (inWorldWritableDirectory(path)) flags |= constants.O_NOFOLLOW;
  const fd = openSync(path, flags, 0o666);
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw fsError('ENOTREG', `${path} is not a regular file`);
  }
  return fd;
}

/**
 * The same rules for a file opened by a library (pino's destination) that takes a path: checked
 * just before it opens the file.
 */
export function checkSafeTarget(path: string): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    return; // it will be created
  }
  if (stat.isSymbolicLink() && inWorldWritableDirectory(path)) {
    throw fsError('ELOOP', `${path} is a symbolic link in a world-writable directory`);
  }
  if (!stat.isSymbolicLink() && !stat.isFile())
    throw fsError('ENOTREG', `${path} is not a regular file`);
}

/** Checks that `path` can be opened for append (creating it, as the daemon will) without writing. */
export function checkAppendable(path: string, flag: string): void {
  openOrExplain(path, flag, () => {
    checkSafeTarget(path);
    closeSync(openForAppend(path));
  });
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
