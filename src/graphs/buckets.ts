// A graph's time axis cut into equal buckets, each a Tally: the pixels of one host's panel. A
// bucket is made only when something falls in it, so memory is bounded by hosts × pixels
// whatever the number of probes. Pure.
import { Tally } from './tally.js';

export class Frame {
  readonly from: number;
  readonly to: number;
  readonly count: number;
  readonly width: number;
  readonly tallies: (Tally | undefined)[];

  constructor(from: number, to: number, count: number) {
    this.from = from;
    this.to = to;
    this.count = Math.max(1, Math.floor(count));
    this.width = (to - from) / this.count;
    this.tallies = new Array(this.count).fill(undefined);
  }

  /** The bucket a time falls in, or -1 outside [from, to). */
  indexOf(time: number): number {
    if (!(time >= this.from && time < this.to)) return -1;
    return Math.min(this.count - 1, Math.floor((time - this.from) / this.width));
  }

  /** The bucket at `index`, made when first asked for. */
  at(index: number): Tally {
    let t = this.tallies[index];
    if (t === undefined) {
      t = new Tally();
      this.tallies[index] = t;
    }
    return t;
  }

  /** One probe at `time`; nothing outside the frame. */
  add(time: number, rttMs: number | undefined, lossPct: number | undefined, outage = 0): void {
    const i = this.indexOf(time);
    if (i >= 0) this.at(i).add(rttMs, lossPct, outage);
  }

  /**
   * A tally that covers [start, end) (an archive row): merged into the bucket of its middle, its
   * counts `weight` times.
   */
  addSpan(start: number, end: number, tally: Tally, weight: number): void {
    const i = this.indexOf((start + end) / 2);
    if (i >= 0) this.at(i).merge(tally, weight);
  }

  /** Every bucket merged: the figures of the whole span. */
  total(): Tally {
    const all = new Tally();
    for (const t of this.tallies) if (t) all.merge(t);
    return all;
  }

  bucketStart(index: number): number {
    return this.from + index * this.width;
  }
}
