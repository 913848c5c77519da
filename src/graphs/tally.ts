// What a stretch of time holds of one host's probes, in a form that merges exactly: counts, the
// extremes, and a latency histogram with fixed octave bins (as Prometheus' native histograms
// with schema 0). A pixel of a graph, a minute of history and a day of history are all tallies;
// two tallies merge by adding, so the archive's one-minute, hourly and daily steps agree. Pure.

/** Bin edges: octaves from 2^-6 ms (15.6 µs) to 2^14 ms (16.4 s). */
export const EDGES_MS: readonly number[] = Array.from({ length: 21 }, (_, k) => 2 ** (k - 6));
/** Below the first edge, one bin per octave, at and above the last edge. */
export const BINS = EDGES_MS.length + 1;

/** The bin of an RTT: 0 below 15.6 µs, BINS - 1 from 16.4 s on. */
export function binOf(ms: number): number {
  if (!(ms >= (EDGES_MS[0] as number))) return 0;
  return Math.min(BINS - 1, Math.floor(Math.log2(ms)) + 7);
}

/** A bin's lower and upper edge (0 and Infinity at the ends). */
export function binRange(bin: number): [number, number] {
  return [bin === 0 ? 0 : (EDGES_MS[bin - 1] as number), EDGES_MS[bin] ?? Number.POSITIVE_INFINITY];
}

export class Tally {
  probes = 0;
  /** Probes without a reply. */
  failed = 0;
  /** Failed probes in a run of two or more: the host was silent for a whole interval. */
  outage = 0;
  /** The sum of the probes' loss percentages (a probe of one packet: 0 or 100). */
  lossSum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  readonly bins = new Float64Array(BINS);
  /** The sum of the RTTs in each bin: where in its bin a bin's replies lie. */
  readonly sums = new Float64Array(BINS);

  /** One probe: its RTT (`undefined`: no reply), its loss, what it adds to the outage count. */
  add(rttMs: number | undefined, lossPct: number | undefined, outage = 0): void {
    this.probes++;
    this.outage += outage;
    if (rttMs === undefined) {
      this.failed++;
      this.lossSum += lossPct ?? 100;
      return;
    }
    this.lossSum += lossPct ?? 0;
    if (rttMs < this.min) this.min = rttMs;
    if (rttMs > this.max) this.max = rttMs;
    const bin = binOf(rttMs);
    this.bins[bin] = (this.bins[bin] ?? 0) + 1;
    this.sums[bin] = (this.sums[bin] ?? 0) + rttMs;
  }

  /** Adds another tally, its counts `weight` times (an archive row holds per-minute means). */
  merge(other: Tally, weight = 1): void {
    this.probes += other.probes * weight;
    this.failed += other.failed * weight;
    this.outage += other.outage * weight;
    this.lossSum += other.lossSum * weight;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    for (let i = 0; i < BINS; i++) {
      this.bins[i] = (this.bins[i] ?? 0) + (other.bins[i] ?? 0) * weight;
      this.sums[i] = (this.sums[i] ?? 0) + (other.sums[i] ?? 0) * weight;
    }
  }

  get replies(): number {
    let n = 0;
    for (const c of this.bins) n += c;
    return n;
  }

  /** Mean loss of the probes, percent; `undefined` without a probe. */
  get lossPct(): number | undefined {
    return this.probes > 0 ? this.lossSum / this.probes : undefined;
  }

  /**
   * The `q` quantile of the RTTs (0 to 1), or `undefined` without a reply. The rank is found in
   * the bins; inside its bin the replies are taken as spread evenly around their mean, as widely
   * as the bin, the extremes and the mean allow: a tight spread inside one octave stays tight and
   * where it is, a wide one keeps its width.
   */
  quantile(q: number): number | undefined {
    const n = this.replies;
    if (!(n > 0)) return undefined;
    const target = Math.min(n, Math.max(0, q * n));
    let below = 0;
    for (let bin = 0; bin < BINS; bin++) {
      const count = this.bins[bin] as number;
      if (count <= 0) continue;
      if (below + count >= target) {
        const [edgeLo, edgeHi] = binRange(bin);
        const lo = Math.max(edgeLo, this.min);
        const hi = Math.max(lo, Math.min(edgeHi, this.max));
        const mean = Math.min(hi, Math.max(lo, (this.sums[bin] as number) / count));
        const half = Math.min(mean - lo, hi - mean);
        return mean - half + 2 * half * ((target - below) / count);
      }
      below += count;
    }
    return this.max;
  }
}

/** Counts a host's failed probes that are part of an outage (two or more in a row). */
export class Streak {
  #run = 0;

  /** What this probe adds to the outage count: 2 when a run reaches two, then 1 each. */
  next(failed: boolean): number {
    if (!failed) {
      this.#run = 0;
      return 0;
    }
    this.#run++;
    if (this.#run === 2) return 2;
    return this.#run > 2 ? 1 : 0;
  }
}
