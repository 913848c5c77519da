// Probes from the raw ping log over a time span, across rotation: `FILE.N.gz` … `FILE.1` and
// `FILE`, oldest first, the older ones read only when the span reaches back before the current
// file's first line. A plain file is entered by binary search at the span's start; a gzipped one
// is streamed. Lines are cut at MAX_LINE_BYTES, so neither a line without end nor a gzip bomb
// takes the memory; a file that cannot be read (a bad `.gz`) is named, skipped and reported.
// Memory: one Frame per host (hosts × pixels), whatever the number of probes.
import { closeSync, createReadStream, existsSync, fstatSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { canonicalHost } from '../config/host.js';
import { describeErrno } from '../errors.js';
import { openForReading } from '../ping-log/files.js';
import { parseLogLine } from '../ping-log/format.js';
import { linesForward, MAX_LINE_BYTES } from '../reading/line-reader.js';
import { Frame } from './buckets.js';
import { Streak } from './tally.js';

/** The rotated predecessors of `path` that exist, newest first. */
export function predecessors(path: string): string[] {
  const found: string[] = [];
  for (let n = 1; n < 1000; n++) {
    const plain = `${path}.${n}`;
    const gz = `${plain}.gz`;
    if (existsSync(plain)) found.push(plain);
    else if (existsSync(gz)) found.push(gz);
    else break;
  }
  return found;
}

/** The lines of a gzipped file, each cut at MAX_LINE_BYTES. */
async function* gzipLines(fd: number): AsyncGenerator<string> {
  const input = createReadStream('', { fd, highWaterMark: 1 << 16 }).pipe(createGunzip());
  let pieces: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let from = 0;
      for (let at = chunk.indexOf(0x0a); at >= 0; at = chunk.indexOf(0x0a, from)) {
        if (bytes < MAX_LINE_BYTES) pieces.push(chunk.subarray(from, at));
        yield Buffer.concat(pieces).toString('utf8');
        pieces = [];
        bytes = 0;
        from = at + 1;
      }
      if (bytes < MAX_LINE_BYTES) pieces.push(chunk.subarray(from, from + MAX_LINE_BYTES - bytes));
      bytes += chunk.length - from;
    }
    if (bytes > 0) yield Buffer.concat(pieces).toString('utf8');
  } finally {
    input.destroy();
  }
}

/** Why a file could not be read, in words: a damaged gzip file says so. */
function whyNot(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && e.code.startsWith('Z_'))
    return `not valid gzip data (${e.message})`;
  return describeErrno(err);
}

const timeOfLine = (text: string): number | undefined => parseLogLine(text)?.time?.getTime();

/**
 * The offset of a line at or a little before the first one at `from` or later: a binary search
 * over the file's lines (a ping log is in time order), so an hour of a 2 GB log reads an hour.
 */
export function seekOffset(fd: number, size: number, from: number): number {
  let lo = 0;
  let hi = size;
  while (hi - lo > 256 * 1024) {
    const mid = Math.floor((lo + hi) / 2);
    let time: number | undefined;
    let first = true;
    let seen = 0;
    for (const line of linesForward(fd, mid, Math.min(size, mid + 4 * MAX_LINE_BYTES))) {
      if (first && mid > 0) {
        first = false; // mid fell inside this line
        continue;
      }
      first = false;
      time = timeOfLine(line.text);
      if (time !== undefined || ++seen > 50) break;
    }
    if (time !== undefined && time < from) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The lines of one file from about `from` on (all of a gzipped one). */
async function* linesOf(path: string, from: number): AsyncGenerator<string> {
  const fd = openForReading(path);
  if (path.endsWith('.gz')) {
    yield* gzipLines(fd);
    return;
  }
  try {
    const size = fstatSync(fd).size;
    const start = seekOffset(fd, size, from);
    let first = start > 0; // the search lands inside a line
    for (const line of linesForward(fd, start, size)) {
      if (first) {
        first = false;
        continue;
      }
      yield line.text;
    }
  } finally {
    closeSync(fd);
  }
}

/** The time of a file's first ping-log line, or `undefined` when it has none. */
async function firstTime(path: string): Promise<number | undefined> {
  let n = 0;
  for await (const line of linesOf(path, Number.NEGATIVE_INFINITY)) {
    const time = timeOfLine(line);
    if (time !== undefined || ++n > 1000) return time;
  }
  return undefined;
}

export interface Probe {
  host: string;
  time: number;
  /** `undefined`: no reply. */
  rttMs: number | undefined;
  lossPct: number | undefined;
}

/**
 * The probes of `files` (oldest first) in [from, to), from their end lines; a probe cut short by
 * a stop is left out. A file that cannot be read is added to `skipped`, with why, and passed.
 */
export async function* probesOf(
  files: string[],
  from: number,
  to: number,
  skipped: string[],
): AsyncGenerator<Probe> {
  for (const file of files) {
    try {
      for await (const line of linesOf(file, from)) {
        const e = parseLogLine(line);
        if (e?.event !== 'end' || e.status === undefined || e.time === undefined || !e.host)
          continue;
        if (e.error === 'stopped by shutdown') continue;
        const time = e.time.getTime();
        if (time < from) continue;
        if (time >= to) {
          if (!file.endsWith('.gz')) break; // in time order: nothing later is wanted
          continue;
        }
        yield {
          host: canonicalHost(e.host),
          time,
          rttMs: e.status === 'up' ? e.rttMs : undefined,
          lossPct: e.lossPct,
        };
      }
    } catch (err) {
      skipped.push(`${file}: ${whyNot(err)}`);
    }
  }
}

/** The log's files, oldest first: its predecessors and itself, whichever exist. */
export function allFiles(path: string): string[] {
  return [...predecessors(path).reverse(), ...(existsSync(path) ? [path] : [])];
}

export interface LogRead {
  frames: Map<string, Frame>;
  /** The files that could not be read, each with why. */
  skipped: string[];
  /** Whether any file was found at all. */
  found: boolean;
}

/** Every host's frame of [from, to) in `columns` buckets, from the log and its predecessors. */
export async function readLog(
  path: string,
  wanted: (host: string) => boolean,
  from: number,
  to: number,
  columns: number,
): Promise<LogRead> {
  const skipped: string[] = [];
  const files: string[] = [];
  const found = existsSync(path);
  if (found) files.push(path);
  let reachesBack = false;
  try {
    const first = found ? await firstTime(path) : undefined;
    reachesBack = first !== undefined && first <= from;
  } catch (err) {
    skipped.push(`${path}: ${whyNot(err)}`);
  }
  if (!reachesBack) {
    for (const older of predecessors(path)) {
      files.unshift(older);
      try {
        const t = await firstTime(older);
        if (t !== undefined && t <= from) break;
      } catch {
        // named when it is read below
      }
    }
  }
  const frames = new Map<string, Frame>();
  const streaks = new Map<string, Streak>();
  for await (const p of probesOf(files, from, to, skipped)) {
    if (!wanted(p.host)) continue;
    let frame = frames.get(p.host);
    let streak = streaks.get(p.host);
    if (frame === undefined || streak === undefined) {
      frame = new Frame(from, to, columns);
      streak = new Streak();
      frames.set(p.host, frame);
      streaks.set(p.host, streak);
    }
    frame.add(p.time, p.rttMs, p.lossPct, streak.next(p.rttMs === undefined));
  }
  return { frames, skipped, found: found || files.length > 0 };
}
