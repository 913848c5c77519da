// Probes grouped into equal time buckets, each summarised the way SmokePing draws it: the median
// RTT, the spread of RTTs (percentile bands), the loss, the probes that failed. Pure.
import { round3 } from '../probing/ping-result.js';
import { percentile } from '../reading/summary.js';

export interface Sample {
  /** ms since the epoch. */
  time: number;
  /** `undefined`: no reply. */
  rttMs: number | undefined;
  lossPct: number | undefined;
}

export interface Bucket {
  from: number;
  to: number;
  probes: number;
  /** Probes without a reply. */
  failed: number;
  /** Mean loss of the probes that counted packets, percent. */
  lossPct: number | undefined;
  /** Over the replies: nearest-rank percentiles; absent without a reply. */
  rtt:
    | {
        min: number;
        p10: number;
        p25: number;
        median: number;
        p75: number;
        p90: number;
        max: number;
      }
    | undefined;
}

/** Summarises the RTTs and losses of one bucket. */
export function summariseBucket(from: number, to: number, samples: readonly Sample[]): Bucket {
  const rtts = Float64Array.from(
    samples.flatMap((s) => (s.rttMs === undefined ? [] : [s.rttMs])),
  ).sort();
  const losses = samples.flatMap((s) => (s.lossPct === undefined ? [] : [s.lossPct]));
  return {
    from,
    to,
    probes: samples.length,
    failed: samples.length - rtts.length,
    lossPct: losses.length ? round3(losses.reduce((a, b) => a + b, 0) / losses.length) : undefined,
    rtt:
      rtts.length === 0
        ? undefined
        : {
            min: rtts[0] as number,
            p10: percentile(rtts, 10),
            p25: percentile(rtts, 25),
            median: percentile(rtts, 50),
            p75: percentile(rtts, 75),
            p90: percentile(rtts, 90),
            max: rtts[rtts.length - 1] as number,
          },
  };
}

/** `count` buckets over [from, to); samples outside are left out. */
export function bucketise(
  samples: Iterable<Sample>,
  from: number,
  to: number,
  count: number,
): Bucket[] {
  const width = (to - from) / count;
  const groups: Sample[][] = Array.from({ length: count }, () => []);
  for (const s of samples) {
    if (s.time < from || s.time >= to) continue;
    groups[Math.min(count - 1, Math.floor((s.time - from) / width))]?.push(s);
  }
  return groups.map((g, i) => summariseBucket(from + i * width, from + (i + 1) * width, g));
}
