// `logs --summary`: per host, the numbers fping and smokeping users expect. Pure.
import type { LogEvent } from './log-line.js';
import { round3 } from './ping-result.js';

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

export function summarise(events: Iterable<LogEvent>): HostSummary[] {
  const hosts = new Map<string, { s: HostSummary; rtts: number[]; losses: number[] }>();
  for (const e of events) {
    if (e.event !== 'end' || e.status === undefined) continue;
    const host = e.host ?? '(classic lines)';
    let h = hosts.get(host);
    if (!h) {
      h = {
        s: { host, probes: 0, up: 0, down: 0, error: 0, lossPct: undefined, rtt: undefined },
        rtts: [],
        losses: [],
      };
      hosts.set(host, h);
    }
    h.s.probes++;
    h.s[e.status]++;
    if (e.rttMs !== undefined) h.rtts.push(e.rttMs);
    if (e.lossPct !== undefined) h.losses.push(e.lossPct);
  }
  return [...hosts.values()].map(({ s, rtts, losses }) => {
    if (losses.length > 0) s.lossPct = round3(losses.reduce((a, b) => a + b, 0) / losses.length);
    if (rtts.length > 0) {
      const sorted = [...rtts].sort((a, b) => a - b);
      s.rtt = {
        min: sorted[0] as number,
        avg: round3(sorted.reduce((a, b) => a + b, 0) / sorted.length),
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        max: sorted.at(-1) as number,
      };
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
