// `logs --summary`: per host, the numbers fping and smokeping users expect. Pure.

import { formatElapsed } from '../config/duration.js';
import { type LogEvent, localIso } from '../ping-log/format.js';
import { round3 } from '../probing/ping-result.js';

export interface HostSummary {
  host: string;
  probes: number;
  up: number;
  down: number;
  error: number;
  /** Probes with a reply over all probes, percent. */
  availabilityPct: number | undefined;
  /** Mean packet loss of the probes that counted packets (up and down), percent. */
  lossPct: number | undefined;
  rtt:
    | {
        min: number;
        avg: number;
        p50: number;
        p95: number;
        max: number;
        /** Population standard deviation of the replies' RTTs; 0 for one reply. */
        stddev: number;
        /** Mean absolute difference of consecutive RTTs (RFC 3550, unsmoothed); 2+ replies. */
        jitter: number | undefined;
      }
    | undefined;
  /** Runs of failed probes: how many, the longest and the total, in seconds. */
  outages: { count: number; longestS: number; totalS: number };
  /** The first and last end lines read (ISO times), and the seconds between them. */
  span: { from: string; to: string; seconds: number } | undefined;
}

/** The nearest-rank percentile of sorted values (p in 0-100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
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

/** One host's figures as the lines go by: constant memory but for the RTT distribution. */
class HostFigures {
  readonly s: HostSummary;
  readonly rtts = new Distribution();
  #loss = { sum: 0, n: 0 };
  /** Sum of squares of the RTTs, for the standard deviation. */
  #squares = 0;
  #previousRtt: number | undefined;
  #jitter = { sum: 0, n: 0 };
  /** When the outage under way began (the end of its first failed probe). */
  #downSince: number | undefined;
  #first: Date | undefined;
  #last: Date | undefined;

  constructor(host: string) {
    this.s = {
      host,
      probes: 0,
      up: 0,
      down: 0,
      error: 0,
      availabilityPct: undefined,
      lossPct: undefined,
      rtt: undefined,
      outages: { count: 0, longestS: 0, totalS: 0 },
      span: undefined,
    };
  }

  add(e: LogEvent & { status: NonNullable<LogEvent['status']> }): void {
    const s = this.s;
    s.probes++;
    s[e.status]++;
    if (e.rttMs !== undefined) {
      this.rtts.add(e.rttMs);
      this.#squares += e.rttMs * e.rttMs;
      if (this.#previousRtt !== undefined) {
        this.#jitter.sum += Math.abs(e.rttMs - this.#previousRtt);
        this.#jitter.n++;
      }
      this.#previousRtt = e.rttMs;
    }
    if (e.lossPct !== undefined) {
      this.#loss.sum += e.lossPct;
      this.#loss.n++;
    }
    const time = e.time?.getTime();
    if (e.time !== undefined) {
      this.#first ??= e.time;
      this.#last = e.time;
    }
    // A probe cut short by a stop says nothing of the host: it neither starts nor ends an outage.
    if (e.error === 'stopped by shutdown' || time === undefined) return;
    if (e.status === 'up') this.#endOutage(time);
    else this.#downSince ??= time;
  }

  #endOutage(time: number): void {
    if (this.#downSince === undefined) return;
    const seconds = (time - this.#downSince) / 1000;
    const o = this.s.outages;
    o.count++;
    o.totalS = round3(o.totalS + seconds);
    o.longestS = Math.max(o.longestS, round3(seconds));
    this.#downSince = undefined;
  }

  finish(): HostSummary {
    const s = this.s;
    // An outage still under way at the last line lasts, as far as the lines tell, until it.
    if (this.#last !== undefined) this.#endOutage(this.#last.getTime());
    s.availabilityPct = s.probes > 0 ? round3((s.up / s.probes) * 100) : undefined;
    if (this.#loss.n > 0) s.lossPct = round3(this.#loss.sum / this.#loss.n);
    const r = this.rtts;
    if (r.count > 0) {
      const [p50, p95] = r.percentiles(50, 95) as [number, number];
      const mean = r.sum / r.count;
      const stddev = round3(Math.sqrt(Math.max(0, this.#squares / r.count - mean * mean)));
      const jitter = this.#jitter.n > 0 ? round3(this.#jitter.sum / this.#jitter.n) : undefined;
      s.rtt = { min: r.min, avg: round3(mean), p50, p95, max: r.max, stddev, jitter };
    }
    if (this.#first !== undefined && this.#last !== undefined) {
      s.span = {
        from: this.#first.toISOString(),
        to: this.#last.toISOString(),
        seconds: round3((this.#last.getTime() - this.#first.getTime()) / 1000),
      };
    }
    return s;
  }
}

/** Per host, from the end lines among `events`; streams, so `events` may be a generator. */
export function summarise(events: Iterable<LogEvent>): HostSummary[] {
  const hosts = new Map<string, HostFigures>();
  for (const e of events) {
    if (e.event !== 'end' || e.status === undefined) continue;
    const host = e.host ?? '(classic lines)';
    let h = hosts.get(host);
    if (!h) {
      h = new HostFigures(host);
      hosts.set(host, h);
    }
    h.add(e as LogEvent & { status: NonNullable<LogEvent['status']> });
  }
  return [...hosts.values()].map((h) => h.finish());
}

/** `0.1s`, `12s`, `1h 2m`: an outage of one probe at 100 ms is not `0s`. */
function seconds(s: number): string {
  return s < 60 ? `${Number(s.toFixed(1))}s` : formatElapsed(s * 1000);
}

export function formatSummary(summaries: HostSummary[]): string {
  if (summaries.length === 0) return 'no probes in the lines read\n';
  return summaries
    .map((s) => {
      const pct = (v: number | undefined): string => (v === undefined ? '-' : `${v}%`);
      const rtt = s.rtt
        ? `rtt min/avg/p50/p95/max = ${s.rtt.min}/${s.rtt.avg}/${s.rtt.p50}/${s.rtt.p95}/${s.rtt.max} ms, stddev ${s.rtt.stddev} ms, jitter ${s.rtt.jitter === undefined ? '-' : `${s.rtt.jitter} ms`}`
        : 'rtt -';
      const o = s.outages;
      const outages =
        o.count === 0
          ? 'no outage'
          : `${o.count} outage${o.count === 1 ? '' : 's'} (longest ${seconds(o.longestS)}, ${seconds(o.totalS)} in all)`;
      const span = s.span
        ? `, over ${seconds(s.span.seconds)} from ${localIso(new Date(s.span.from))}`
        : '';
      return `${s.host}: ${s.probes} probes, ${s.up} up, ${s.down} down, ${s.error} error, availability ${pct(s.availabilityPct)}, loss ${pct(s.lossPct)}, ${rtt}, ${outages}${span}\n`;
    })
    .join('');
}
