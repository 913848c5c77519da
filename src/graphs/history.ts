// The last hour of one host, for the status page when there is no archive: 60 one-minute
// tallies (a few hundred bytes each), the open minute included. Nothing is read back from the
// log. Pure but for its own memory.
import { Frame } from './buckets.js';
import { Streak, Tally } from './tally.js';

const MINUTE = 60_000;
export const HISTORY_MINUTES = 60;

export interface Sample {
  /** ms since the epoch. */
  time: number;
  /** `undefined`: no reply. */
  rttMs: number | undefined;
  lossPct: number | undefined;
}

export class HourHistory {
  /** Minutes by their start, the last hour's only. */
  readonly #minutes = new Map<number, Tally>();
  readonly #streak = new Streak();

  add(sample: Sample): void {
    const from = Math.floor(sample.time / MINUTE) * MINUTE;
    let t = this.#minutes.get(from);
    if (t === undefined) {
      t = new Tally();
      this.#minutes.set(from, t);
      for (const key of this.#minutes.keys()) {
        if (key <= from - HISTORY_MINUTES * MINUTE) this.#minutes.delete(key);
      }
    }
    t.add(sample.rttMs, sample.lossPct, this.#streak.next(sample.rttMs === undefined));
  }

  /** The last hour up to `now` as a frame of 60 minutes. */
  frame(now: number): Frame {
    const end = Math.floor(now / MINUTE) * MINUTE + MINUTE;
    const frame = new Frame(end - HISTORY_MINUTES * MINUTE, end, HISTORY_MINUTES);
    for (const [from, t] of this.#minutes) frame.addSpan(from, from + MINUTE, t, 1);
    return frame;
  }
}
