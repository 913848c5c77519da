// A SmokePing-style latency graph as SVG: per time bucket, the spread of RTTs as grey smoke
// (10th-90th percentile, and a darker 25th-75th band), the median as a line coloured by the
// bucket's loss, failed probes marked along the time axis (a full red block for a bucket with no
// reply at all: an outage). One panel per host. Pure: the time zone is the process's.
import { formatElapsed } from '../config/duration.js';
import type { Bucket } from './buckets.js';

export interface Panel {
  host: string;
  from: number;
  to: number;
  buckets: Bucket[];
  /** For the title. */
  availabilityPct: number | undefined;
  lossPct: number | undefined;
  medianMs: number | undefined;
}

export const GRAPH = { width: 800, height: 220, left: 64, right: 16, top: 34, bottom: 34 };

/** The colour of a median segment by its bucket's loss (SmokePing's idea, fewer steps). */
export function lossColour(lossPct: number | undefined): string {
  if (lossPct === undefined || lossPct === 0) return '#1a9e1a';
  if (lossPct < 5) return '#2b6cd4';
  if (lossPct < 20) return '#e08a00';
  return '#d41a1a';
}

/** 0.042 → `42 µs`, 27.8 → `27.8 ms`, 1500 → `1.5 s`: an axis label. */
export function formatMs(ms: number): string {
  const trim = (n: number): string => String(Number(n.toPrecision(3)));
  if (ms === 0) return '0';
  if (ms < 1) return `${trim(ms * 1000)} µs`;
  if (ms < 1000) return `${trim(ms)} ms`;
  return `${trim(ms / 1000)} s`;
}

/** A round upper bound for the y axis: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
const clock = (t: number): string => {
  const d = new Date(t);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
};
const f1 = (n: number): string => String(Math.round(n * 10) / 10);

function panel(p: Panel, offsetY: number): string {
  const { width, height, left, right, top, bottom } = GRAPH;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const yMax = niceCeiling(Math.max(0, ...p.buckets.map((b) => b.rtt?.p90 ?? 0)));
  const x = (t: number): number => left + ((t - p.from) / (p.to - p.from)) * plotW;
  const y = (ms: number): number => offsetY + top + plotH - (Math.min(ms, yMax) / yMax) * plotH;
  const out: string[] = [];
  const summary = [
    p.availabilityPct === undefined ? undefined : `availability ${p.availabilityPct}%`,
    p.lossPct === undefined ? undefined : `loss ${p.lossPct}%`,
    p.medianMs === undefined ? undefined : `median ${formatMs(p.medianMs)}`,
  ].filter(Boolean);
  const title = `${p.host}: last ${formatElapsed(p.to - p.from)}${summary.length ? `; ${summary.join(', ')}` : ''}`;
  out.push(`<text class="title" x="${left}" y="${offsetY + 20}">${escapeXml(title)}</text>`);
  // Axes and grid: five steps up the y axis, five times along x.
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    const yy = f1(y(v));
    out.push(`<line class="grid" x1="${left}" y1="${yy}" x2="${width - right}" y2="${yy}"/>`);
    out.push(
      `<text class="ylabel" x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${formatMs(v)}</text>`,
    );
  }
  for (let i = 0; i <= 4; i++) {
    const t = p.from + ((p.to - p.from) * i) / 4;
    out.push(
      `<text class="xlabel" x="${f1(x(t))}" y="${offsetY + height - 10}" text-anchor="middle">${clock(t)}</text>`,
    );
  }
  for (const b of p.buckets) {
    const x0 = f1(x(b.from));
    const w = f1(x(b.to) - x(b.from));
    if (b.rtt) {
      const r = b.rtt;
      out.push(
        `<rect class="smoke" x="${x0}" y="${f1(y(r.p90))}" width="${w}" height="${f1(y(r.p10) - y(r.p90))}"/>`,
      );
      out.push(
        `<rect class="smoke-core" x="${x0}" y="${f1(y(r.p75))}" width="${w}" height="${f1(y(r.p25) - y(r.p75))}"/>`,
      );
      out.push(
        `<line class="median" x1="${x0}" y1="${f1(y(r.median))}" x2="${f1(x(b.to))}" y2="${f1(y(r.median))}" stroke="${lossColour(b.lossPct)}" data-loss="${b.lossPct ?? 0}"/>`,
      );
    }
    if (b.failed > 0) {
      // No reply in the whole bucket: an outage, a full block under the plot; else a tick.
      const outage = b.rtt === undefined;
      const cls = outage ? 'outage' : 'lost';
      const h = outage ? 8 : 4;
      out.push(
        `<rect class="${cls}" x="${x0}" y="${f1(offsetY + top + plotH + 2)}" width="${w}" height="${h}" data-failed="${b.failed}"/>`,
      );
    }
  }
  return `<g class="panel" data-host="${escapeXml(p.host)}">${out.join('')}</g>`;
}

/** The whole picture: one panel per host, stacked. */
export function renderGraph(panels: Panel[]): string {
  const total = GRAPH.height * Math.max(1, panels.length);
  const style =
    '.title{font:600 13px sans-serif;fill:#222}.ylabel,.xlabel{font:11px sans-serif;fill:#555}' +
    '.grid{stroke:#e4e4e4}.smoke{fill:#d8d8d8}.smoke-core{fill:#b4b4b4}.median{stroke-width:2}' +
    '.outage{fill:#d41a1a}.lost{fill:#e08a00}';
  const body = panels.length
    ? panels.map((p, i) => panel(p, i * GRAPH.height)).join('')
    : `<text class="title" x="${GRAPH.left}" y="24">no probes in the time asked for</text>`;
  // What a screen reader says of it: the hosts and the span.
  const label = escapeXml(
    panels.length
      ? `Latency of ${panels.map((p) => p.host).join(', ')}, ${formatElapsed((panels[0] as Panel).to - (panels[0] as Panel).from)}`
      : 'Latency graph: no probes',
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${GRAPH.width} ${total}" width="100%" style="max-width:${GRAPH.width}px" role="img" aria-label="${label}"><title>${label}</title><style>${style}</style><rect width="100%" height="100%" fill="#fff"/>${body}</svg>\n`;
}
