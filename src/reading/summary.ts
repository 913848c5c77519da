// `logs --summary`: per host, the numbers fping and smokeping users expect. Pure.
import type { LogEvent } from '../ping-log/format.js';
import { round3 } from '../probing/ping-result.js';

export interface HostSummary {
  host: string;
  probes: number;
  up: number;
  down: number;
  error: number;
  /** Mean packet loss of the probes that counted packets (up and down), percent. */
  lossPct: number | undefined;
  rtt: { min: number; avg: number; p50: number; p95: number; max: number } | undefined;
}

/** The nearest-rank percentile of sorted values (p in 0-100). */
export function percentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/**
 * RTTs as counts per value, so that a summary of ten million probes takes the memory of the
 * distinct values, not of the probes. Values under 100 ms are kept to the microsecond (all
 * ping prints), longer ones to four significant digits: at most ~160,000 keys up to a day,
 * whatever the file, and exact for what ping writes.
 */
export class Distribution {
  readonly #counts = new Map<number, number>();
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  static key(value: number): number {
    if (value < 100) return Math.round(value * 1000) / 1000;
    return Number(value.toPrecision(4));
  }

  add(value: number): void {
    const key = Distribution.key(value);
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Nearest-rank percentiles (p in 0-100), in the order asked. */
  percentiles(...ps: number[]): number[] {
    const keys = [...this.#counts.keys()].sort((a, b) => a - b);
    return ps.map((p) => {
      const rank = Math.max(1, Math.ceil((p / 100) * this.count));
      let seen = 0;
      for (const key of keys) {
        seen += this.#counts.get(key) as number;
        if (seen >= rank) return key;
      }
      return this.max;
    });
  }
}

/** Per host, from the end lines among `events`; streams, so `events` may be a generator. */
export function summarise(events: Iterable<LogEvent>): HostSummary[] {
  const hosts = new Map<
    string,
    { s: HostSummary; rtts: Distribution; loss: { sum: number; n: number } }
  >();
  for (const e of events) {
    if (e.event !== 'end' || e.status === undefined) continue;
    const host = e.host ?? '(classic lines)';
    let h = hosts.get(host);
    if (!h) {
      h = {
        s: { host, probes: 0, up: 0, down: 0, error: 0, lossPct: undefined, rtt: undefined },
        rtts: new Distribution(),
        loss: { sum: 0, n: 0 },
      };
      hosts.set(host, h);
    }
    h.s.probes++;
    h.s[e.status]++;
    if (e.rttMs !== undefined) h.rtts.add(e.rttMs);
    if (e.lossPct !== undefined) {
      h.loss.sum += e.lossPct;
      h.loss.n++;
    }
  }
  return [...hosts.values()].map(({ s, rtts, loss }) => {
    if (loss.n > 0) s.lossPct = round3(loss.sum / loss.n);
    if (rtts.count > 0) {
      const [p50, p95] = rtts.percentiles(50, 95) as [number, number];
      s.rtt = { min: rtts.min, avg: round3(rtts.sum / rtts.count), p50, p95, max: rtts.max };
    }
    return s;
  });
}

export function formatSummary(summaries: HostSummary[]): string {
  if (summaries.length === 0) return 'no probes in the lines read\n';
  return summaries
    .map((s) => {
      const loss = s.lossPct === undefined ? '-' : `${s.lossPct}%`;
      const rtt = s.rtt
        ? `rtt min/avg/p50/p95/max = ${s.rtt.min}/${s.rtt.avg}/${s.rtt.p50}/${s.rtt.p95}/${s.rtt.max} ms`
        : 'rtt -';
      return `${s.host}: ${s.probes} probes, ${s.up} up, ${s.down} down, ${s.error} error, loss ${loss}, ${rtt}\n`;
    })
    .join('');
}
