// The ping log (SPEC §3). Each line goes out in one write() on a file opened O_APPEND: the kernel
// then places every line at the end of the file whole, so readers never see half a line and
// other writers never land inside one. Writes are synchronous, so a line is in the page cache
// before the next tick. Before each write the path is checked against the open file (Python's
// WatchedFileHandler does the same): after logrotate renames or deletes it, the next line goes
// to a new file at the path, and nothing is lost.
//
// A full disk can make write() store part of a line: that part is cut off again (ftruncate), so
// the file only ever holds whole lines. (libuv opens with O_CLOEXEC: ping never inherits it.)
import { closeSync, fstatSync, ftruncateSync, type Stats, statSync, writeSync } from 'node:fs';
import { openForAppend } from './files.js';

export class PingLog {
  readonly path: string;
  #fd: number;
  #stat: Stats;

  /** Opens (creating) the file for append; throws the fs error when it cannot. */
  constructor(path: string) {
    this.path = path;
    this.#fd = openForAppend(path);
    this.#stat = fstatSync(this.#fd);
  }

  write(line: string): void {
    if (this.#rotated()) this.reopen();
    const buffer = Buffer.from(line);
    const written = writeSync(this.#fd, buffer);
    if (written !== buffer.length) {
      // O_APPEND put the part at the end: take exactly it off again.
      ftruncateSync(this.#fd, fstatSync(this.#fd).size - written);
      throw Object.assign(new Error(`short write to ${this.path}`), { code: 'ENOSPC' });
    }
  }

  /** Opens the path anew (SIGHUP, or after rotation); the old file is closed only on success. */
  reopen(): void {
    const fd = openForAppend(this.path);
    closeSync(this.#fd);
    this.#fd = fd;
    this.#stat = fstatSync(fd);
  }

  close(): void {
    closeSync(this.#fd);
  }

  #rotated(): boolean {
    try {
      const now = statSync(this.path);
      return now.ino !== this.#stat.ino || now.dev !== this.#stat.dev;
    } catch {
      return true;
    }
  }
}
