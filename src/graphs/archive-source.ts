// Probes from the consolidated history: each host's rows over the span at the coarsest step that
// still gives every bucket a row, so a year costs what an hour costs. A row holds means per
// minute; it is merged into its bucket weighted by the minutes it covers.
import { DATA_SOURCES, mergeRow, readRow, STEP_S } from '../history/layout.js';
import type { FetchedLines, HistoryStore } from '../history/store.js';
import { Frame } from './buckets.js';

/** Fetches asked of rrdtool ahead of the one being read: it works while the rows are added. */
const AHEAD = 16;

/**
 * Each wanted host's frame of [from, to) (ms) in at most `columns` buckets, given to `each` in
 * the order of `hosts` as soon as it is read, so a caller that draws a row and lets the frame go
 * holds one host's frame at a time.
 */
export async function eachHistory(
  store: HistoryStore,
  hosts: string[],
  from: number,
  to: number,
  columns: number,
  each: (host: string, frame: Frame) => void,
): Promise<void> {
  const spanS = (to - from) / 1000;
  const values = new Float64Array(DATA_SOURCES.length);
  const asked = new Map<number, Promise<FetchedLines>>();
  const ask = (i: number): void => {
    const host = hosts[i];
    if (host === undefined) return;
    const fetched = store.fetchLines(host, from / 1000, to / 1000, spanS / columns);
    fetched.catch(() => {}); // awaited below, in its turn; a failure ahead of that is not lost
    asked.set(i, fetched);
  };
  for (let i = 0; i < AHEAD; i++) ask(i);
  for (const [i, host] of hosts.entries()) {
    const { lines, step } = await (asked.get(i) as Promise<FetchedLines>);
    asked.delete(i);
    ask(i + AHEAD);
    const frame = new Frame(from, to, Math.min(columns, Math.ceil(spanS / step)));
    let rows = 0;
    for (const line of lines) {
      const end = readRow(line, values);
      if (end === undefined) continue;
      const bucket = frame.indexOf((end - step / 2) * 1000);
      if (bucket < 0) continue;
      mergeRow(frame.at(bucket), values, step / STEP_S);
      rows++;
    }
    if (rows > 0) each(host, frame);
  }
}

/** Every wanted host's frame of [from, to) (ms) in at most `columns` buckets. */
export async function readHistory(
  store: HistoryStore,
  hosts: string[],
  from: number,
  to: number,
  columns: number,
): Promise<Map<string, Frame>> {
  const frames = new Map<string, Frame>();
  await eachHistory(store, hosts, from, to, columns, (host, frame) => frames.set(host, frame));
  return frames;
}

/** Whether a host is among `patterns` (names or `*`/`?` globs); no pattern: every host. */
export function hostMatcher(patterns: string[]): (host: string) => boolean {
  if (patterns.length === 0) return () => true;
  const res = patterns.map(
    (p) =>
      new RegExp(
        `^${p
          .split('')
          .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
          .join('')}$`,
        'i',
      ),
  );
  return (host) => res.some((re) => re.test(host));
}
