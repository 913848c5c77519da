// Reading the end of the ping log and following it like `tail -F`: by name, across logrotate's
// rename-and-create, copytruncate, and a file that does not exist yet. inotify (fs.watch on the
// directory) wakes it, so it costs nothing while the log is idle; where inotify is unavailable
// it polls.
import {
  closeSync,
  type FSWatcher,
  fstatSync,
  readSync,
  type Stats,
  statSync,
  watch,
} from 'node:fs';
import { basename, dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { openForReading, sameFile } from '../ping-log/files.js';
import { completeEnd, linesBackward, MAX_LINE_BYTES } from './line-reader.js';

const CHUNK = 64 * 1024;
/** How long a rotated-away file is still read, for a line its writer had in flight. */
const RETIRE_MS = 2000;
const POLL_MS = 250;

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The last `n` complete lines before `size`, reading backwards: a log of gigabytes costs what
 * its last lines cost. Also returns where the first byte after them is (a partial last line is
 * not returned, so following starts at it).
 */
export function lastLines(fd: number, size: number, n: number): { lines: string[]; next: number } {
  const end = completeEnd(fd, size);
  const lines: string[] = [];
  if (n > 0) {
    for (const line of linesBackward(fd, end)) {
      lines.push(line.text);
      if (lines.length >= n) break;
    }
  }
  return { lines: lines.reverse(), next: end };
}

interface Source {
  fd: number;
  stat: Stats;
  position: number;
  partial: string;
  /** Keeps a character whose bytes straddle two reads whole. */
  decoder: StringDecoder;
}

export class Follower {
  readonly #path: string;
  readonly #onLine: (line: string) => void;
  #current: Source | undefined;
  #retired: Source | undefined;
  #retireTimer: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;
  #poller: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(path: string, onLine: (line: string) => void) {
    this.#path = path;
    this.#onLine = onLine;
  }

  /** Follows from `position` of the file now at the path (0 when it is created later). */
  start(position: number): void {
    const stat = statOrUndefined(this.#path);
    if (stat) this.#open(position);
    try {
      this.#watcher = watch(dirname(this.#path), (_event, name) => {
        if (name === null || name === basename(this.#path)) this.#schedule();
      });
      this.#watcher.on('error', () => this.#poll());
    } catch {
      this.#poll();
    }
    this.#check();
  }

  stop(): void {
    this.#watcher?.close();
    clearInterval(this.#poller);
    clearTimeout(this.#retireTimer);
    for (const source of [this.#current, this.#retired]) if (source) closeSync(source.fd);
    this.#current = undefined;
    this.#retired = undefined;
  }

  #poll(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#poller ??= setInterval(() => this.#check(), POLL_MS);
  }

  #schedule(): void {
    if (this.#checking) return;
    this.#checking = true;
    setImmediate(() => {
      this.#checking = false;
      this.#check();
    });
  }

  #open(position: number): void {
    try {
      // Never through a link planted in a directory others can write (root following a log).
      const fd = openForReading(this.#path);
      this.#current = {
        fd,
        stat: fstatSync(fd),
        position,
        partial: '',
        decoder: new StringDecoder('utf8'),
      };
    } catch {
      // Gone again, or unreadable for now: the next event retries.
    }
  }

  #check(): void {
    if (this.#retired) this.#drain(this.#retired);
    const atPath = statOrUndefined(this.#path);
    const current = this.#current;
    if (current) {
      const moved = !atPath || !sameFile(atPath, current.stat);
      if (moved) {
        // Rotated or deleted: read what is left of the old file, keep reading it a little while
        // for a line whose write was in flight, and follow the name.
        this.#drain(current);
        this.#retire(current);
        this.#current = undefined;
      } else if (fstatSync(current.fd).size < current.position) {
        // Truncated in place (copytruncate): start again from its beginning.
        current.position = 0;
        current.partial = '';
        current.decoder = new StringDecoder('utf8');
      }
    }
    if (!this.#current && atPath) this.#open(0);
    if (this.#current) this.#drain(this.#current);
  }

  #retire(source: Source): void {
    if (this.#retired) closeSync(this.#retired.fd);
    clearTimeout(this.#retireTimer);
    this.#retired = source;
    this.#retireTimer = setTimeout(() => {
      if (this.#retired === source) {
        this.#drain(source);
        closeSync(source.fd);
        this.#retired = undefined;
      }
    }, RETIRE_MS);
  }

  #drain(source: Source): void {
    const buffer = Buffer.alloc(CHUNK);
    for (;;) {
      const read = readSync(source.fd, buffer, 0, CHUNK, source.position);
      if (read === 0) return;
      source.position += read;
      const text = source.partial + source.decoder.write(buffer.subarray(0, read));
      const lines = text.split('\n');
      source.partial = lines.pop() ?? '';
      // A file that grows without newlines must not grow our memory with it.
      if (source.partial.length > MAX_LINE_BYTES) {
        lines.push(`${source.partial.slice(0, MAX_LINE_BYTES)}[... line cut]`);
        source.partial = '';
      }
      for (const line of lines) this.#onLine(line);
    }
  }
}
