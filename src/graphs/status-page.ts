// The status page at `/` on the HTTP listener (--metrics-listen), for the person on call:
// problems first, a summary table (state, since when and how long ago, the last probe, loss and
// median over 1, 5 and 15 minutes), then graphs. With history, each host's page (`/?host=NAME`)
// has SmokePing's four ranges (3 hours, 30 hours, 10 days, 400 days); without, the last hour from
// memory. Plain HTML that needs no JavaScript, refreshes itself and fits a phone; every value is
// escaped. Rendered on request only.
import type { HealthSummary } from '../alerts/monitor.js';
import type { ProbeTarget } from '../config/targets.js';
import type { ProbeResult } from '../probing/ping-result.js';
import type { HostStats } from '../probing/service.js';
import { formatWhen, zoneLabel } from './axis.js';
import type { Frame } from './buckets.js';
import { HourHistory } from './history.js';
import { escapeXml, formatMs, formatPct, GRAPH, renderGraph } from './svg.js';

/** How often the page reloads itself, seconds, unless `?refresh=N` (2 to 3600) says. */
export const REFRESH_S = 30;
const HOUR = 3_600_000;
/** SmokePing's four ranges. */
export const RANGES: readonly [string, number][] = [
  ['3 hours', 3 * HOUR],
  ['30 hours', 30 * HOUR],
  ['10 days', 240 * HOUR],
  ['400 days', 9600 * HOUR],
];
/** Up to this many hosts, the main page draws everyone's graph; beyond, the problems' only. */
const ALL_GRAPHS_UP_TO = 20;
const MOST_GRAPHS = 50;
const SEVERITY: Record<string, number> = { down: 0, degraded: 1, unknown: 2, up: 3 };

export function refreshOf(value: string | null): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 2 && n <= 3600 ? n : REFRESH_S;
}

/** A host's frame of [from, to) from the history, or `undefined` when it has none. */
export type HistoryReader = (
  host: string,
  from: number,
  to: number,
  columns: number,
) => Promise<Frame | undefined>;

export interface PageView {
  targets: ProbeTarget[];
  stats: Record<string, HostStats>;
  health: Record<string, HealthSummary>;
  now: number;
  refreshS: number;
  /** `?host=`: that host's page. */
  host: string | null;
  /** Where the daemon probes from: in the title, so that tabs of several vantages tell apart. */
  vantage?: string;
}

/** 42 s ago, 5 min ago, 3 h ago, 2 d ago. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 172_800) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:840px;padding:12px;color:#222}
h1{font-size:18px}h2{font-size:16px;margin:0}section{border-top:1px solid #ddd;padding:12px 0}
h3{font-size:13px;margin:10px 0 2px;color:#444}a{color:#0645ad}
.state{display:inline-block;padding:1px 8px;border-radius:9px;color:#fff;font-weight:600}
.up{background:#1a9e1a}.down{background:#d41a1a}.degraded{background:#e08a00}.unknown{background:#888}
.meta{color:#555;margin:4px 0 8px;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #eee;vertical-align:top}
th{color:#555;font-weight:600}.graph{overflow-x:auto}.graph svg{min-width:640px}td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
@media (max-width:600px){table,tbody,tr,td{display:block}thead{display:none}tr{border-bottom:1px solid #ddd;padding:6px 0}
td{border:0;padding:1px 0}td[data-label]::before{content:attr(data-label) ": ";color:#666}}`;

export class StatusPage {
  readonly #hours = new Map<string, HourHistory>();
  readonly #history: HistoryReader | undefined;

  constructor(history?: HistoryReader) {
    this.#history = history;
  }

  observe(host: string, result: ProbeResult, time: Date): void {
    const h = this.#hours.get(host) ?? new HourHistory();
    this.#hours.set(host, h);
    h.add({
      time: time.getTime(),
      rttMs: result.status === 'up' ? result.rttMs : undefined,
      lossPct: result.lossPct,
    });
  }

  /** A host no longer pinged leaves the page. */
  remove(host: string): void {
    this.#hours.delete(host);
  }

  async html(view: PageView): Promise<string> {
    const stateOf = (t: ProbeTarget): string => view.health[t.host]?.state ?? 'unknown';
    const ordered = [...view.targets].sort(
      (a, b) =>
        (SEVERITY[stateOf(a)] ?? 2) - (SEVERITY[stateOf(b)] ?? 2) ||
        (a.host < b.host ? -1 : a.host > b.host ? 1 : 0),
    );
    const counts = new Map<string, number>();
    for (const t of ordered) counts.set(stateOf(t), (counts.get(stateOf(t)) ?? 0) + 1);
    const overview = ['down', 'degraded', 'up', 'unknown']
      .filter((s) => counts.has(s))
      .map((s) => `<span class="state ${s}">${counts.get(s)} ${s}</span>`)
      .join(' ');
    const one = view.host === null ? undefined : ordered.find((t) => t.host === view.host);
    let body: string;
    if (one) {
      body = `<p><a href="./?refresh=${view.refreshS}">all hosts</a></p>${await this.#section(one, view, true)}`;
    } else {
      const drawn =
        ordered.length <= ALL_GRAPHS_UP_TO
          ? ordered
          : ordered.filter((t) => stateOf(t) !== 'up').slice(0, MOST_GRAPHS);
      const sections: string[] = [];
      for (const t of drawn) sections.push(await this.#section(t, view, false));
      body = this.#table(ordered, view) + sections.join('');
    }
    const title = overview.replace(/<[^>]*>/g, '');
    const from = view.vantage === undefined ? '' : ` from ${escapeXml(view.vantage)}`;
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${view.refreshS}">
<title>ping-daemon${from}: ${escapeXml(title)}</title>
<style>${STYLE}</style></head><body>
<h1>ping-daemon${from} <small>${overview}</small></h1>
<p class="meta">At ${escapeXml(`${formatWhen(view.now)}, ${zoneLabel(view.now)}`)}; this page reloads every ${view.refreshS} s.</p>
${body}
</body></html>
`;
  }

  #table(ordered: ProbeTarget[], view: PageView): string {
    const rows = ordered.map((t) => {
      const health = view.health[t.host];
      const stats = view.stats[t.host];
      const state = health?.state ?? 'unknown';
      const since = health?.since
        ? `${formatWhen(health.since.getTime())} (${ago(view.now - health.since.getTime())})`
        : '';
      const last = stats?.last?.result;
      const lastText = last
        ? last.rttMs !== undefined && last.status === 'up'
          ? formatMs(last.rttMs)
          : last.status
        : 'no probe yet';
      const w = stats?.windows;
      const windows = (pick: (f: NonNullable<typeof w>['1m']) => string): string =>
        w ? [w['1m'], w['5m'], w['15m']].map(pick).join(' / ') : '';
      const loss = windows((f) => (f.lossPct === undefined ? '–' : formatPct(f.lossPct)));
      const median = windows((f) => (f.medianRttMs === undefined ? '–' : formatMs(f.medianRttMs)));
      const link = `?host=${encodeURIComponent(t.host)}&amp;refresh=${view.refreshS}`;
      return `<tr data-host="${escapeXml(t.host)}" data-state="${state}"><td><a href="${link}">${escapeXml(t.host)}</a></td><td><span class="state ${state}">${state}</span></td><td data-label="since">${escapeXml(since)}</td><td class="num" data-label="last">${escapeXml(lastText)}</td><td class="num" data-label="loss 1/5/15 min">${escapeXml(loss)}</td><td class="num" data-label="median 1/5/15 min">${escapeXml(median)}</td></tr>`;
    });
    return `<table class="summary"><thead><tr><th>host</th><th>state</th><th>since</th><th>last</th><th>loss 1/5/15 min</th><th>median 1/5/15 min</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
`;
  }

  async #section(t: ProbeTarget, view: PageView, allRanges: boolean): Promise<string> {
    const health = view.health[t.host];
    const stats = view.stats[t.host];
    const state = health?.state ?? 'unknown';
    const since = health?.since
      ? ` since ${formatWhen(health.since.getTime())} (${ago(view.now - health.since.getTime())})`
      : '';
    const why = health?.reason ? ` (${health.reason})` : '';
    const last = stats?.last?.result;
    const figures = last
      ? [
          `last probe: ${last.status}`,
          last.rttMs === undefined ? undefined : `rtt ${formatMs(last.rttMs)}`,
          last.lossPct === undefined ? undefined : `loss ${formatPct(last.lossPct)}`,
          last.error,
        ]
          .filter(Boolean)
          .join(', ')
      : 'no probe yet';
    const graphs: string[] = [];
    const columns = Math.floor((GRAPH.width - GRAPH.left - GRAPH.right) / 2);
    for (const [name, span] of allRanges ? RANGES : RANGES.slice(0, 1)) {
      const frame = await this.#history?.(t.host, view.now - span, view.now, columns).catch(
        () => undefined,
      );
      if (frame)
        graphs.push(
          `<h3>last ${name}</h3><div class="graph">${renderGraph([{ host: t.host, frame }])}</div>`,
        );
    }
    if (graphs.length === 0) {
      const frame = this.#hours.get(t.host)?.frame(view.now);
      if (frame) {
        graphs.push(
          `<h3>last hour</h3><div class="graph">${renderGraph([{ host: t.host, frame }])}</div>`,
        );
      }
    }
    return `<section class="host" data-host="${escapeXml(t.host)}" data-state="${state}">
<h2>${escapeXml(t.host)} <span class="state ${state}">${state}</span></h2>
<p class="meta">${escapeXml(`${state}${since}${why}; ${figures}`)}</p>
${graphs.join('\n')}</section>
`;
  }
}
