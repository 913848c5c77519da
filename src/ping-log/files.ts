// Opening the daemon's files safely, with errors an administrator can act on: the path, the
// reason in words, and the option that changes it.
//
// A daemon that runs as root writes into directories that others may control: /tmp, a log
// directory given to the daemon's --user so that it can follow rotation, a group-writable
// /var/log. Whoever can write such a directory can plant, at the name the daemon will open, a
// symbolic link (to /etc/shadow, or dangling, so that root creates a file of the planter's
// choosing), a hard link to a file they do not own, or a FIFO that blocks every open. So in a
// directory that anyone but root and ourselves can write, every file is opened without following
// a link, and what was opened is checked: a regular file, one link, owned by root, by us or by
// the directory's owner (the daemon's own user).
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describeErrno, PingDaemonError, StartupError } from '../errors.js';

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

export const fsError = (code: string, message: string): NodeJS.ErrnoException =>
  Object.assign(new Error(message), { code });

const euid = (): number => process.geteuid?.() ?? -1;

/**
 * Whether someone other than root and ourselves could change what `dir` holds: it belongs to
 * another user, or its group or everyone may write it. Unknown (a stat error) counts as shared.
 */
export function isSharedDirectory(dir: string): boolean {
  try {
    const stat = statSync(dir);
    return (stat.uid !== 0 && stat.uid !== euid()) || (stat.mode & 0o022) !== 0;
  } catch {
    return true;
  }
}

/** What is wrong with a file opened in a shared directory, or undefined. */
function notRegular(file: Stats): NodeJS.ErrnoException | undefined {
  if (file.isDirectory()) return fsError('EISDIR', 'is a directory');
  return file.isFile() ? undefined : fsError('ENOTREG', 'not a regular file');
}

function sharedFileProblem(file: Stats, dir: Stats | undefined): NodeJS.ErrnoException | undefined {
  const irregular = notRegular(file);
  if (irregular) return irregular;
  if (file.nlink !== 1) return fsError('EMLINK', 'has more than one hard link');
  const owners = [0, euid(), dir?.uid];
  if (!owners.includes(file.uid))
    return fsError('EOWNER', `belongs to another user (uid ${file.uid})`);
  return undefined;
}

/** Whether two stats are of one file (same device and inode), whatever its names. */
export function sameFile(a: Pick<Stats, 'dev' | 'ino'>, b: Pick<Stats, 'dev' | 'ino'>): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Opens `path` with `flags` by the rules above: O_NOFOLLOW and the checks in a shared directory,
 * a regular file everywhere. O_NONBLOCK keeps the open itself from hanging on a FIFO; on a
 * regular file it changes nothing. Throws an fs-style error (with `code`) when refused.
 */
export function openSafely(path: string, flags: number, mode = 0o666): number {
  const dir = dirname(path);
  const shared = isSharedDirectory(dir);
  const fd = openSync(
    path,
    flags | constants.O_NONBLOCK | (shared ? constants.O_NOFOLLOW : 0),
    mode,
  );
  try {
    const stat = fstatSync(fd);
    const problem = shared ? sharedFileProblem(stat, statOrUndefined(dir)) : notRegular(stat);
    if (problem) throw problem;
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

export interface OpenedFile {
  fd: number;
  /** Whether this open created the file (so it may be handed to the daemon's user). */
  created: boolean;
}

/** Opens a log for appending, created 0666 & ~umask, by the rules of openSafely. */
export function openForAppend(path: string): OpenedFile {
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;
  try {
    return { fd: openSafely(path, flags | constants.O_EXCL), created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return { fd: openSafely(path, flags), created: false };
}

/**
 * Reads a small regular file whole (a PID file, a state file, a config file) by the rules of
 * openSafely: a FIFO planted at its name cannot hang the reader, nor a link in a shared
 * directory lead it elsewhere. Throws `EFBIG` past `maxBytes`.
 */
export function readSmallFile(path: string, maxBytes: number): string {
  const fd = openSafely(path, constants.O_RDONLY);
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) throw fsError('EFBIG', `${size} bytes, more than ${maxBytes}`);
    const buffer = Buffer.alloc(maxBytes + 1);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    if (length > maxBytes) throw fsError('EFBIG', `more than ${maxBytes} bytes`);
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens a log for reading (`logs`) by the same rules, so that root following a log never follows
 * a link planted in a directory others can write.
 */
export function openForReading(path: string): number {
  return openSafely(path, constants.O_RDONLY);
}

/**
 * Checks that `path` can be opened for append without writing or creating anything (the daemon
 * creates it, and hands it to its --user): an existing file is opened, a missing one needs a
 * writable directory.
 */
export function checkAppendable(path: string, flag: string): void {
  openOrExplain(path, flag, () => {
    try {
      closeSync(openSafely(path, constants.O_WRONLY | constants.O_APPEND));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      accessSync(dirname(path), constants.W_OK);
    }
  });
}

/**
 * Creates the default PID file's directory when it is missing: root's /run/ping-daemon (0755,
 * so that anyone's `status` can read the PID file, as under systemd's RuntimeDirectory), or a
 * user's ~/.local/state/ping-daemon (private). A PID file named by hand is never given a
 * directory: a typo must not create one.
 */
export function ensurePidDirectory(pidFile: string, isDefault: boolean): void {
  if (!isDefault) return;
  const root = process.getuid?.() === 0;
  mkdirSync(dirname(pidFile), { recursive: true, mode: root ? 0o755 : 0o700 });
}

/** Checks that the PID file's directory is writable (the daemon creates the file there). */
export function checkPidDirectory(pidFile: string, isDefault: boolean): void {
  openOrExplain(pidFile, '--pid-file', () => {
    ensurePidDirectory(pidFile, isDefault);
    accessSync(dirname(pidFile), constants.W_OK);
  });
}

/**
 * Writes a whole file the way nothing can redirect: into a new temporary file beside it (created
 * exclusively, so never through a planted link), then renamed over the target. A target that is
 * a link, or not a regular file, is refused; a file of another user's in a sticky directory
 * cannot be replaced (the rename fails) rather than being written through.
 */
export function writeReplacing(path: string, data: string, mode = 0o644): void {
  let st: Stats | undefined;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (st?.isSymbolicLink()) throw fsError('ELOOP', `${path} is a symbolic link`);
  if (st && !st.isFile()) throw fsError('EISDIR', `${path} is not a regular file`);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(
    temporary,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    mode,
  );
  try {
    writeSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    rmSync(temporary, { force: true });
    throw err;
  }
}
