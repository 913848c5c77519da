// The last hour of one host, for the status page's graph: 60 one-minute buckets, each summarised
// when its minute closes (a few numbers), plus the open minute's own samples. About 5 KB per
// host whatever the interval; nothing is read back from the log. Pure but for its own memory.
import { type Bucket, type Sample, summariseBucket } from './buckets.js';

const MINUTE = 60_000;
export const HISTORY_MINUTES = 60;

export class HourHistory {
  /** Closed minutes, oldest first, keyed by their start. */
  readonly #closed: Bucket[] = [];
  #open: { from: number; samples: Sample[] } | undefined;

  add(sample: Sample): void {
    const from = Math.floor(sample.time / MINUTE) * MINUTE;
    if (this.#open && this.#open.from !== from) this.#close();
    this.#open ??= { from, samples: [] };
    this.#open.samples.push(sample);
  }

  #close(): void {
    const open = this.#open;
    if (!open) return;
    this.#closed.push(summariseBucket(open.from, open.from + MINUTE, open.samples));
    if (this.#closed.length > HISTORY_MINUTES) this.#closed.shift();
    this.#open = undefined;
  }

  /** The last hour up to `now` as 60 minute buckets, empty ones where nothing was probed. */
  buckets(now: number): Bucket[] {
    const end = Math.floor(now / MINUTE) * MINUTE + MINUTE;
    const start = end - HISTORY_MINUTES * MINUTE;
    const known = new Map(this.#closed.map((b) => [b.from, b]));
    if (this.#open) {
      known.set(
        this.#open.from,
        summariseBucket(this.#open.from, this.#open.from + MINUTE, this.#open.samples),
      );
    }
    return Array.from({ length: HISTORY_MINUTES }, (_, i) => {
      const from = start + i * MINUTE;
      return known.get(from) ?? summariseBucket(from, from + MINUTE, []);
    });
  }
}
