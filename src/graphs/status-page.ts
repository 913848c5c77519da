// The status page at `/` on the HTTP listener (--metrics-listen): each host's state, since when
// and why, its last RTT and loss, and its graph for the last hour, from the daemon's memory.
// Plain HTML that needs no JavaScript and refreshes itself; every value is escaped. Rendered on
// request only: an idle page costs the daemon nothing but each host's hour of minute buckets.
import type { HealthSummary } from '../alerts/monitor.js';
import type { ProbeTarget } from '../config/targets.js';
import { localIso } from '../ping-log/format.js';
import type { ProbeResult } from '../probing/ping-result.js';
import { round3 } from '../probing/ping-result.js';
import { medianOf } from '../probing/recent.js';
import type { HostStats } from '../probing/service.js';
import { HourHistory } from './history.js';
import { escapeXml, formatMs, renderGraph } from './svg.js';

/** How often the page reloads itself, seconds, unless `?refresh=N` (2 to 3600) says. */
export const REFRESH_S = 30;

export function refreshOf(value: string | null): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 2 && n <= 3600 ? n : REFRESH_S;
}

export interface PageView {
  targets: ProbeTarget[];
  stats: Record<string, HostStats>;
  health: Record<string, HealthSummary>;
  now: number;
  refreshS: number;
}

export class StatusPage {
  readonly #history = new Map<string, HourHistory>();

  observe(host: string, result: ProbeResult, time: Date): void {
    const h = this.#history.get(host) ?? new HourHistory();
    this.#history.set(host, h);
    h.add({
      time: time.getTime(),
      rttMs: result.status === 'up' ? result.rttMs : undefined,
      lossPct: result.lossPct,
    });
  }

  /** A host no longer pinged leaves the page. */
  remove(host: string): void {
    this.#history.delete(host);
  }

  html(view: PageView): string {
    const sections = view.targets.map((t) => this.#section(t, view)).join('');
    const counts = new Map<string, number>();
    for (const t of view.targets) {
      const state = view.health[t.host]?.state ?? 'unknown';
      counts.set(state, (counts.get(state) ?? 0) + 1);
    }
    const overview = ['down', 'degraded', 'up', 'unknown']
      .filter((s) => counts.has(s))
      .map((s) => `<span class="state ${s}">${counts.get(s)} ${s}</span>`)
      .join(' ');
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${view.refreshS}">
<title>ping-daemon: ${escapeXml(overview.replace(/<[^>]*>/g, ''))}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:840px;padding:12px;color:#222}
h1{font-size:18px}h2{font-size:16px;margin:0}section{border-top:1px solid #ddd;padding:12px 0}
.state{display:inline-block;padding:1px 8px;border-radius:9px;color:#fff;font-weight:600}
.up{background:#1a9e1a}.down{background:#d41a1a}.degraded{background:#e08a00}.unknown{background:#888}
.meta{color:#555;margin:4px 0 8px}
</style></head><body>
<h1>ping-daemon <small>${overview}</small></h1>
<p class="meta">At ${escapeXml(localIso(new Date(view.now)))}; this page reloads every ${view.refreshS} s.</p>
${sections}
</body></html>
`;
  }

  #section(t: ProbeTarget, view: PageView): string {
    const health = view.health[t.host];
    const stats = view.stats[t.host];
    const state = health?.state ?? 'unknown';
    const since = health?.since ? ` since ${localIso(health.since)}` : '';
    const why = health?.reason ? ` (${health.reason})` : '';
    const last = stats?.last?.result;
    const figures = last
      ? [
          `last probe: ${last.status}`,
          last.rttMs === undefined ? undefined : `rtt ${formatMs(last.rttMs)}`,
          last.lossPct === undefined ? undefined : `loss ${last.lossPct}%`,
          last.error,
        ]
          .filter(Boolean)
          .join(', ')
      : 'no probe yet';
    const history = this.#history.get(t.host);
    const buckets = history?.buckets(view.now) ?? [];
    const median = medianOf(buckets.flatMap((b) => (b.rtt ? [b.rtt.median] : [])));
    const graph = renderGraph([
      {
        host: t.host,
        from: buckets[0]?.from ?? view.now - 3_600_000,
        to: buckets.at(-1)?.to ?? view.now,
        buckets,
        availabilityPct: undefined,
        lossPct: undefined,
        medianMs: median === undefined ? undefined : round3(median),
      },
    ]);
    return `<section class="host" data-host="${escapeXml(t.host)}" data-state="${state}">
<h2>${escapeXml(t.host)} <span class="state ${state}">${state}</span></h2>
<p class="meta">${escapeXml(`${state}${since}${why}; ${figures}`)}</p>
${graph}</section>
`;
  }
}
