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

/**
 * The median of `a` (the mean of the middle two for an even count), which it reorders: Hoare's
 * selection, linear on average, where a sort of 900 values is what made 1,000 hosts' windows cost
 * ~90 ms.
 */
export function selectMedian(a: Float64Array): number | undefined {
  const n = a.length;
  if (n === 0) return undefined;
  const mid = n >> 1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (mid <= j) hi = j;
    else if (mid >= i) lo = i;
    else break;
  }
  const upper = a[mid] as number;
  if (n % 2) return upper;
  // Everything before `mid` is at most a[mid]: the lower middle value is their largest.
  let lower = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < mid; k++) if ((a[k] as number) > lower) lower = a[k] as number;
  return (lower + upper) / 2;
}

/** Room for one window's RTTs, reused by every host: the figures allocate nothing. */
const scratch = new Float64Array(MAX_SAMPLES);

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

  /** The figures over the last 1, 5 and 15 minutes before `nowMs`. */
  allFigures(nowMs: number): Record<`${(typeof WINDOWS_MIN)[number]}m`, WindowFigures> {
    const out = {} as Record<`${(typeof WINDOWS_MIN)[number]}m`, WindowFigures>;
    for (const m of WINDOWS_MIN) out[`${m}m`] = this.figures(nowMs, m);
    return out;
  }

  /** The figures over the last `minutes` before `nowMs`. */
  figures(nowMs: number, minutes: number): WindowFigures {
    const since = (nowMs - minutes * 60_000 - this.#epoch) / 100;
    const rtts = scratch;
    let replies = 0;
    let probes = 0;
    let lossSum = 0;
    let lossCount = 0;
    let reachedOlder = false;
    const capacity = this.#times.length;
    for (let k = 0; k < this.#size; k++) {
      const i = (this.#next - 1 - k + capacity) % capacity;
      if ((this.#times[i] as number) < since) {
        reachedOlder = true;
        break;
      }
      probes++;
      const rtt = this.#rtts[i] as number;
      if (!Number.isNaN(rtt)) rtts[replies++] = rtt;
      const loss = this.#losses[i] as number;
      if (!Number.isNaN(loss)) {
        lossSum += loss;
        lossCount++;
      }
    }
    const median = selectMedian(rtts.subarray(0, replies));
    return {
      probes,
      lossPct: lossCount > 0 ? round3(lossSum / lossCount) : undefined,
      medianRttMs: median === undefined ? undefined : round3(median),
      // Every probe kept is inside the window, and older ones were dropped: it reaches past them.
      complete: reachedOlder || !this.#dropped,
    };
  }
}
