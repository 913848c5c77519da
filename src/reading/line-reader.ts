// Reading a log's lines from either end with bounded memory, whatever the file: gigabytes of
// lines, or gigabytes without a newline. A line longer than MAX_LINE_BYTES (no line ping-daemon
// writes comes near it) is cut to that length and marked, so one bad line cannot take the
// memory with it.
import { readSync } from 'node:fs';

export const MAX_LINE_BYTES = 64 * 1024;
const CHUNK = 64 * 1024;
/** Scanning for the last newline reads in larger steps: a file without one is read through. */
const SCAN_CHUNK = 1024 * 1024;
const NEWLINE = 0x0a;

export interface Line {
  text: string;
  /** The offset of its first byte. */
  start: number;
}

function readAt(fd: number, position: number, size: number): Buffer {
  const buffer = Buffer.alloc(size);
  const read = readSync(fd, buffer, 0, size, position);
  return buffer.subarray(0, read);
}

/**
 * The end of the last complete line before `size`: one past its newline (0 when there is none).
 * A partial last line (being written, or a file that does not end in a newline) comes after it.
 */
export function completeEnd(fd: number, size: number): number {
  let position = size;
  while (position > 0) {
    const start = Math.max(0, position - SCAN_CHUNK);
    const chunk = readAt(fd, start, position - start);
    const at = chunk.lastIndexOf(NEWLINE);
    if (at >= 0) return start + at + 1;
    position = start;
  }
  return 0;
}

/** Joins the pieces of one line, in order, cut to MAX_LINE_BYTES (keeping its end or start). */
function toText(pieces: Buffer[], bytes: number, fromEnd: boolean): string {
  if (pieces.length === 1 && bytes <= MAX_LINE_BYTES) return (pieces[0] as Buffer).toString('utf8');
  const whole = Buffer.concat(pieces);
  if (bytes <= MAX_LINE_BYTES) return whole.toString('utf8');
  const kept = fromEnd
    ? whole.subarray(whole.length - MAX_LINE_BYTES)
    : whole.subarray(0, MAX_LINE_BYTES);
  return `${kept.toString('utf8')}[... line of ${bytes} bytes cut]`;
}

/**
 * The complete lines before `end` (which must follow a newline, see completeEnd), newest first.
 * Memory: one chunk and one line at most.
 */
export function* linesBackward(fd: number, end: number): Generator<Line> {
  if (end <= 0) return;
  let pieces: Buffer[] = [];
  let bytes = 0;
  let position = end - 1; // the last line's newline is not part of it
  while (position > 0) {
    const start = Math.max(0, position - CHUNK);
    const chunk = readAt(fd, start, position - start);
    let stop = chunk.length;
    for (let at = chunk.lastIndexOf(NEWLINE, stop - 1); at >= 0; ) {
      const piece = chunk.subarray(at + 1, stop);
      bytes += piece.length;
      if (bytes - piece.length < MAX_LINE_BYTES) pieces.unshift(piece);
      yield { text: toText(pieces, bytes, true), start: start + at + 1 };
      pieces = [];
      bytes = 0;
      stop = at;
      at = at > 0 ? chunk.lastIndexOf(NEWLINE, at - 1) : -1;
    }
    const rest = chunk.subarray(0, stop);
    bytes += rest.length;
    if (bytes - rest.length < MAX_LINE_BYTES) pieces.unshift(Buffer.from(rest));
    position = start;
  }
  yield { text: toText(pieces, bytes, true), start: 0 };
}

/** The complete lines from `start` (a line's first byte) to `end`, oldest first. */
export function* linesForward(fd: number, start: number, end: number): Generator<Line> {
  let pieces: Buffer[] = [];
  let bytes = 0;
  let lineStart = start;
  let position = start;
  while (position < end) {
    const chunk = readAt(fd, position, Math.min(CHUNK, end - position));
    if (chunk.length === 0) return;
    let from = 0;
    for (let at = chunk.indexOf(NEWLINE); at >= 0; at = chunk.indexOf(NEWLINE, from)) {
      const piece = chunk.subarray(from, at);
      bytes += piece.length;
      if (bytes - piece.length < MAX_LINE_BYTES) pieces.push(piece);
      yield { text: toText(pieces, bytes, false), start: lineStart };
      pieces = [];
      bytes = 0;
      from = at + 1;
      lineStart = position + from;
    }
    const rest = chunk.subarray(from);
    bytes += rest.length;
    if (bytes - rest.length < MAX_LINE_BYTES) pieces.push(Buffer.from(rest));
    position += chunk.length;
  }
}
