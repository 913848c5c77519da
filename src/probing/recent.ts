// The last few minutes of one host's probes, for `status`'s 1, 5 and 15-minute figures (like
// uptime's load averages), kept in the daemon's memory rather than read back from the log. A
// ring of at most MAX_SAMPLES probes, 12 bytes each: 10.8 KB for a host probed every second,
// 3.6 KB at the default 3 s. Pure but for its own memory: times are passed in.
import { round3 } from './ping-result.js';

/** The windows `status` shows, in minutes. */
export const WINDOWS_MIN = [1, 5, 15] as const;
const LONGEST_MS = 15 * 60_000;
/** A host probed more often than once a second keeps its last 900 probes (15 min at 1 s). */
export const MAX_SAMPLES = 900;

export interface WindowFigures {
  /** Probes in the window. */
  probes: number;
  /** Mean loss of the probes that counted packets, percent. */
  lossPct: number | undefined;
  /** Median RTT of the replies, ms. */
  medianRttMs: number | undefined;
  /** False when the window reaches further back than the probes kept (a sub-second interval). */
  complete: boolean;
}

/** The median of `values` (the mean of the middle two for an even count); sorts them. */
export function medianOf(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2
    ? (values[mid] as number)
    : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
}

export class RecentProbes {
  /** Times in tenths of a second since `#epoch` (a Uint32 lasts 13 years). */
  readonly #times: Uint32Array;
  readonly #rtts: Float32Array;
  readonly #losses: Float32Array;
  readonly #epoch: number;
  #next = 0;
  #size = 0;
  /** Whether probes have been dropped to make room. */
  #dropped = false;

  constructor(intervalMs: number, epochMs: number) {
    // One more than the window holds, so that a full window can tell it is full.
    const capacity = Math.min(MAX_SAMPLES, Math.ceil(LONGEST_MS / intervalMs) + 2);
    this.#times = new Uint32Array(capacity);
    this.#rtts = new Float32Array(capacity);
    this.#losses = new Float32Array(capacity);
    this.#epoch = epochMs;
  }

  add(timeMs: number, rttMs: number | undefined, lossPct: number | undefined): void {
    const i = this.#next;
    this.#times[i] = Math.max(0, Math.round((timeMs - this.#epoch) / 100));
    this.#rtts[i] = rttMs ?? Number.NaN;
    this.#losses[i] = lossPct ?? Number.NaN;
    this.#next = (i + 1) % this.#times.length;
    if (this.#size === this.#times.length) this.#dropped = true;
    else this.#size++;
  }

  /** The figures over the last `minutes` before `nowMs`. */
  figures(nowMs: number, minutes: number): WindowFigures {
    const since = (nowMs - minutes * 60_000 - this.#epoch) / 100;
    const rtts: number[] = [];
    let probes = 0;
    let lossSum = 0;
    let lossCount = 0;
    let reachedOlder = false;
    const capacity = this.#times.length;
    for (let k = 0; k < this.#size; k++) {
      const i = (this.#next - 1 - k + capacity) % capacity;
      const t = this.#times[i] as number;
      if (t < since) {
        reachedOlder = true;
        break;
      }
      probes++;
      const rtt = this.#rtts[i] as number;
      if (!Number.isNaN(rtt)) rtts.push(rtt);
      const loss = this.#losses[i] as number;
      if (!Number.isNaN(loss)) {
        lossSum += loss;
        lossCount++;
      }
    }
    const median = medianOf(rtts);
    return {
      probes,
      lossPct: lossCount > 0 ? round3(lossSum / lossCount) : undefined,
      medianRttMs: median === undefined ? undefined : round3(median),
      // Every probe kept is inside the window, and older ones were dropped: it reaches past them.
      complete: reachedOlder || !this.#dropped,
    };
  }
}
