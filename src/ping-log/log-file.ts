// An append-only log file: the ping log (docs/log-format.md) and the service log's file. Each line
// goes out in one write() on a file opened O_APPEND: the kernel then places every line at the end
// of the file whole, so readers never see half a line and other writers never land inside one.
// Writes are synchronous, so a line is in the page cache before the next tick. Before each write
// the path is checked against the open file (Python's WatchedFileHandler does the same): after
// logrotate renames or deletes it, the next line goes to a new file at the path, and nothing is
// lost.
//
// A reopen that fails (a daemon that dropped root facing a root-owned new file, a read-only
// directory) never loses the log: the file already open, renamed away, is kept and written on,
// the failure is reported once, and every later line tries again. Only a file deleted outright
// (its directory removed) is not written on: those lines are lost and reported as such.
//
// A full disk can make write() store part of a line: that part is cut off again (ftruncate), so
// the file only ever holds whole lines. (libuv opens with O_CLOEXEC: ping never inherits it.)
//
// The descriptor itself is checked too (fstat, before each write): if anything in the process
// closed it, or closed it and got its number back for another file, the log is opened again at
// its path, the number is left to whoever has it now, and that is reported. Without this, such a
// bug elsewhere would send the log's lines nowhere, or into another file, for months.
import { closeSync, fstatSync, ftruncateSync, type Stats, statSync, writeSync } from 'node:fs';
import { describeErrno } from '../errors.js';
import { openForAppend, sameFile } from './files.js';

export interface LogFileOptions {
  /** Told when following a rotation fails, and (with `undefined`) when it works again. */
  onReopenError?: (err: unknown) => void;
  /** Told when the descriptor was found closed or taken by another file, after reopening. */
  onDescriptorLost?: (fd: number) => void;
  /**
   * Told when the file at the path, opened again, is on another filesystem than the one before:
   * the one it was on was unmounted, or another mounted over its directory.
   */
  onOtherFilesystem?: () => void;
}

export class LogFile {
  readonly path: string;
  /** Whether opening it created the file (so it can be handed to the daemon's user). */
  readonly created: boolean;
  #fd: number;
  #stat: Stats;
  /** Why the path could not be opened again after a rotation, while it cannot. */
  #reopenProblem: string | undefined;
  readonly #onReopenError: ((err: unknown) => void) | undefined;
  readonly #onDescriptorLost: ((fd: number) => void) | undefined;
  readonly #onOtherFilesystem: (() => void) | undefined;

  /** Opens (creating) the file for append; throws the fs error when it cannot. */
  constructor(path: string, options: LogFileOptions = {}) {
    this.path = path;
    const { fd, created } = openForAppend(path);
    this.#fd = fd;
    this.created = created;
    this.#stat = fstatSync(fd);
    this.#onReopenError = options.onReopenError;
    this.#onDescriptorLost = options.onDescriptorLost;
    this.#onOtherFilesystem = options.onOtherFilesystem;
  }

  get fd(): number {
    return this.#fd;
  }

  /** Why the file now written is not the one at the path (see onReopenError), while so. */
  get reopenProblem(): string | undefined {
    return this.#reopenProblem;
  }

  /** Lines, whole: a string, or the bytes of a LineBuffer. */
  write(lines: string | Uint8Array): void {
    if (!this.#ownsDescriptor()) {
      // Opened again whatever the path holds now; the number is not ours to close any more.
      const lost = this.#fd;
      this.#adopt(openForAppend(this.path).fd);
      this.#onDescriptorLost?.(lost);
    }
    if (this.#rotated()) {
      try {
        this.reopen();
        if (this.#reopenProblem !== undefined) this.#onReopenError?.(undefined);
        this.#reopenProblem = undefined;
      } catch (err) {
        // A file deleted with its directory keeps nothing written to it: the line is lost, and
        // the caller counts and reports that.
        if (fstatSync(this.#fd).nlink === 0) throw err;
        // Renamed away (rotated): keep writing to it, where the lines can still be read; say so
        // once, not once per line.
        if (this.#reopenProblem === undefined) this.#onReopenError?.(err);
        this.#reopenProblem = describeErrno(err);
      }
    }
    const text = typeof lines === 'string';
    const written = text ? writeSync(this.#fd, lines) : writeSync(this.#fd, lines);
    if (written !== (text ? Buffer.byteLength(lines) : lines.length)) {
      // O_APPEND put the part at the end: take exactly it off again.
      ftruncateSync(this.#fd, fstatSync(this.#fd).size - written);
      throw Object.assign(new Error(`short write to ${this.path}`), { code: 'ENOSPC' });
    }
  }

  /**
   * Opens the path anew (SIGHUP, or after rotation) when it no longer names the open file; the
   * old file is closed only on success. Throws the fs error, keeping the old file, on failure.
   */
  reopen(): void {
    if (!this.#rotated()) return;
    const { fd } = openForAppend(this.path);
    const before = this.#stat.dev;
    if (this.#ownsDescriptor()) closeSync(this.#fd);
    this.#adopt(fd);
    if (this.#stat.dev !== before) this.#onOtherFilesystem?.();
  }

  close(): void {
    if (this.#ownsDescriptor()) closeSync(this.#fd);
  }

  #adopt(fd: number): void {
    this.#fd = fd;
    this.#stat = fstatSync(fd);
  }

  /** Whether the descriptor still refers to the file this opened. */
  #ownsDescriptor(): boolean {
    try {
      return sameFile(fstatSync(this.#fd), this.#stat);
    } catch {
      return false;
    }
  }

  #rotated(): boolean {
    try {
      return !sameFile(statSync(this.path), this.#stat);
    } catch {
      return true;
    }
  }
}
