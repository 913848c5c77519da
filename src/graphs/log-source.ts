// The ping log's lines over a time span, across rotation: `FILE.N.gz` … `FILE.1` and `FILE`, in
// that order, the older ones read only when the span reaches back before the current file's
// first line. Gzipped files are streamed; every file is opened by the safe rules (files.ts).
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { openForReading } from '../ping-log/files.js';
import { parseLogLine } from '../ping-log/format.js';

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

/** The lines of one file, streamed (gunzipped when its name ends in `.gz`). */
export async function* linesOf(path: string): AsyncGenerator<string> {
  const fd = openForReading(path);
  const raw = createReadStream('', { fd, highWaterMark: 1 << 16 });
  const input = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) yield line;
  } finally {
    lines.close();
    raw.destroy();
  }
}

/** The time of a file's first ping-log line, or `undefined` when it has none. */
async function firstTime(path: string): Promise<number | undefined> {
  for await (const line of linesOf(path)) {
    const time = parseLogLine(line)?.time;
    if (time !== undefined) return time.getTime();
  }
  return undefined;
}

/** The files to read for lines from `since` on, oldest first. */
export async function filesSince(path: string, since: number): Promise<string[]> {
  const files = [path];
  const first = existsSync(path) ? await firstTime(path) : undefined;
  if (first !== undefined && first <= since) return files;
  for (const older of predecessors(path)) {
    files.unshift(older);
    const t = await firstTime(older);
    if (t !== undefined && t <= since) break;
  }
  return files.filter((f) => existsSync(f));
}
