// The PID file (docs/pid-file.md): created with O_CREAT|O_EXCL so two daemons can never both hold
// it; trusted only when its PID is alive *and* is a ping-daemon, so a PID reused after a crash or a
// reboot never makes us refuse to start, nor makes `stop` signal an unrelated program.
//
// The daemon keeps its PID file open for as long as it runs, so `stop`, `status` and `reload` can
// tell from /proc/PID/fd that the process they found really holds *this* PID file, and not
// signal another instance whose PID was written here by mistake or malice.
import {
  closeSync,
  constants,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { defaultPidFile, type Place, ROOT_PID_FILE } from '../config/options.js';
import { AlreadyRunningError, ControlError, describeErrno, ExitCode } from '../errors.js';
import { readSmallFile } from '../ping-log/files.js';
import { holdsFile, isAlive } from './proc.js';

const MODE = 0o644;

/** The PID a PID file holds; `undefined` when it is missing or holds anything but `N\n`. */
export function readPidFile(path: string): number | undefined {
  let text: string;
  try {
    text = readPidText(path);
  } catch {
    return undefined;
  }
  return parsePid(text);
}

/** A PID file is a dozen bytes; a FIFO or a link planted at its name is refused, not read. */
function readPidText(path: string): string {
  return readSmallFile(path, 64);
}

export function parsePid(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,9}\n?$/.test(text)) return undefined;
  const pid = Number(text.trim());
  return pid <= 4_194_304 ? pid : undefined;
}

/**
 * Whether `pid` is a running ping-daemon. `process.title` writes `ping-daemon: HOST` over the
 * daemon's argv (cut to the space the original argv had) and into its comm, so either starting
 * with `ping-daemon` identifies it; any other program that reused the PID is not ours.
 */
export function isPingDaemon(pid: number): boolean {
  if (!isAlive(pid)) return false;
  for (const file of ['cmdline', 'comm']) {
    try {
      if (readFileSync(`/proc/${pid}/${file}`, 'latin1').startsWith('ping-daemon')) return true;
    } catch {
      return false;
    }
  }
  return false;
}

export type PidFileState =
  | { state: 'missing' }
  | { state: 'running'; pid: number }
  /** The file exists but holds garbage, a dead PID, or a PID reused by another program. */
  | { state: 'stale'; pid: number | undefined };

/**
 * inspectPidFile for `status`, `stop` and `reload`: a PID file that cannot be read (permission)
 * leaves the daemon's state unknown, LSB's exit 4 (for actions: insufficient privilege).
 */
export function inspectForControl(path: string): PidFileState {
  try {
    return inspectPidFile(path);
  } catch (err) {
    throw new ControlError(
      `cannot tell whether ping-daemon runs: cannot read ${path}: ${describeErrno(err)}`,
      ExitCode.statusUnknown,
      { cause: err },
    );
  }
}

/**
 * Root's daemon, when a user other than root finds none of their own behind their default PID
 * file (not one named on the command line, in the environment or in a config file): its PID,
 * so that `stop` and `reload` say whose daemon runs instead of "not running", and `status`
 * points to it.
 */
export function rootDaemonInstead(pidFile: string, place: Place): number | undefined {
  if (place.uid === 0 || pidFile !== defaultPidFile(place)) return undefined;
  try {
    if (inspectPidFile(pidFile).state !== 'missing') return undefined;
    const root = inspectPidFile(ROOT_PID_FILE);
    return root.state === 'running' ? root.pid : undefined;
  } catch {
    return undefined;
  }
}

/** `stop` or `reload` of root's daemon by another user: exit 4 (LSB: insufficient privilege). */
export function refuseRootDaemon(pidFile: string, place: Place, command: string): void {
  const pid = rootDaemonInstead(pidFile, place);
  if (pid === undefined) return;
  throw new ControlError(
    `no ping-daemon of yours runs (no PID file ${pidFile}); the one running (pid ${pid}, PID file ${ROOT_PID_FILE}) is root's: run 'sudo ping-daemon ${command}'`,
    ExitCode.statusUnknown,
  );
}

/**
 * What the PID file says: `running` only when its PID is a live ping-daemon that holds this very
 * file open (or, where /proc/PID/fd cannot be read, at least a live ping-daemon).
 */
export function inspectPidFile(path: string): PidFileState {
  let text: string;
  try {
    text = readPidText(path);
  } catch (err) {
    const { code } = err as NodeJS.ErrnoException;
    if (code === 'ENOENT') return { state: 'missing' };
    // A link planted in a shared directory holds no PID of ours: garbage, replaced (the link
    // itself, never what it points to). Anything else that is not a regular file is refused.
    if (code === 'ELOOP') return { state: 'stale', pid: undefined };
    throw err;
  }
  const pid = parsePid(text);
  if (pid !== undefined && isPingDaemon(pid) && holdsFile(pid, path) !== false) {
    return { state: 'running', pid };
  }
  return { state: 'stale', pid };
}

/**
 * Creates the file with our PID; returns its descriptor, kept open while the daemon runs. The
 * PID is written to a private name first and linked into place (link, like O_EXCL, fails when
 * the name exists), so no reader ever sees the file empty: an empty PID file would read as
 * garbage, and `stop` removes garbage.
 */
function createExclusive(path: string, pid: number): number {
  const temp = `${path}.${pid}.new`;
  try {
    unlinkSync(temp); // a leftover of ours, or a planted link: removed, never written through
  } catch {
    // none
  }
  const fd = openSync(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    MODE,
  );
  try {
    writeSync(fd, `${pid}\n`);
    linkSync(temp, path);
    // Held open by its own name, so that /proc/PID/fd shows which PID file this daemon holds.
    return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } finally {
    closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // gone
    }
  }
}

/**
 * Moves a stale PID file out of the way without ever removing a live one: rename is atomic, so
 * of several starters only one moves a given file; if what it moved is not the stale file it
 * inspected (another starter replaced it meanwhile), it is linked back.
 */
function removeStale(path: string, stalePid: number | undefined, pid: number): void {
  const aside = `${path}.stale.${pid}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const moved = readPidFile(aside);
    if (moved !== stalePid && moved !== undefined && isPingDaemon(moved)) {
      try {
        linkSync(aside, path);
      } catch {
        // Someone created a new file meanwhile; theirs stands.
      }
    }
  } finally {
    unlinkSync(aside);
  }
}

/**
 * Writes `pid` to the PID file race-free. Returns the stale PID it replaced, if any, so the
 * caller can log it; throws AlreadyRunningError when a live ping-daemon holds it.
 */
export function acquirePidFile(
  path: string,
  pid = process.pid,
): { fd: number; replaced?: PidFileState } {
  let replaced: PidFileState | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = createExclusive(path, pid);
      return replaced ? { fd, replaced } : { fd };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const found = inspectPidFile(path);
    // Our own PID in the file is a leftover too (a container restarts with the same PID).
    if (found.state === 'running' && found.pid !== pid) {
      throw new AlreadyRunningError(found.pid, path);
    }
    if (found.state !== 'missing') {
      replaced = found;
      removeStale(path, found.pid, pid);
    }
  }
  throw new AlreadyRunningError(readPidFile(path) ?? 0, path);
}

/**
 * Removes the PID file only if it still holds `pid`: never another daemon's. `fd`: the
 * descriptor the daemon kept open, closed here.
 */
export function releasePidFile(path: string, pid = process.pid, fd?: number): void {
  if (fd !== undefined) closeSync(fd);
  if (readPidFile(path) !== pid) return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/**
 * Sends `signal` to the daemon `pid` found through `pidFile`; a daemon of another user (EPERM)
 * is a one-line ControlError (LSB 4, insufficient privilege), never an internal error.
 */
export function signalDaemon(pid: number, signal: NodeJS.Signals, command: string): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    const { code } = err as NodeJS.ErrnoException;
    if (code === 'ESRCH') return; // it exited meanwhile: what the caller waits for
    if (code === 'EPERM') {
      throw new ControlError(
        `ping-daemon (pid ${pid}) belongs to another user (uid ${ownerOf(pid) ?? '?'}); run 'ping-daemon ${command}' as that user or as root`,
        ExitCode.statusUnknown,
        { cause: err },
      );
    }
    throw err;
  }
}

function ownerOf(pid: number): number | undefined {
  try {
    return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]);
  } catch {
    return undefined;
  }
}

/**
 * A live ping-daemon other than `self` that has `logFile` open, with the PID file it holds: two
 * daemons on one log interleave their lines, whatever PID files they were given.
 */
export function otherWriter(
  logFile: string,
  self = process.pid,
): { pid: number; pidFile: string | undefined } | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === self || !isPingDaemon(pid) || holdsFile(pid, logFile) !== true) continue;
    return { pid, pidFile: heldPidFile(pid) };
  }
  return undefined;
}

/**
 * The PID file `pid` holds open, and which names it. A daemon still starting may have another's
 * PID file open for a moment, to read it: that is not its own (two starts at once each refused
 * the other over it, on a loaded machine).
 */
function heldPidFile(pid: number): string | undefined {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.endsWith('.pid') && readPidFile(target) === pid) return target;
    }
  } catch {
    // gone, or not ours to read
  }
  return undefined;
}
