// Probes from the consolidated history: each host's rows over the span at the coarsest step that
// still gives every bucket a row, so a year costs what an hour costs. A row holds means per
// minute; it is merged into its bucket weighted by the minutes it covers.
import type { HistoryStore } from '../history/store.js';
import { Frame } from './buckets.js';

/** Every wanted host's frame of [from, to) (ms) in at most `columns` buckets. */
export async function readHistory(
  store: HistoryStore,
  hosts: string[],
  from: number,
  to: number,
  columns: number,
): Promise<Map<string, Frame>> {
  const frames = new Map<string, Frame>();
  const spanS = (to - from) / 1000;
  for (const host of hosts) {
    const { rows, step } = await store.fetch(host, from / 1000, to / 1000, spanS / columns);
    if (rows.length === 0) continue;
    const frame = new Frame(from, to, Math.min(columns, Math.ceil(spanS / step)));
    for (const row of rows) {
      frame.addSpan((row.end - step) * 1000, row.end * 1000, row.tally, step / 60);
    }
    frames.set(host, frame);
  }
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
