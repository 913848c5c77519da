// The pictures, as SVG. A panel per host in SmokePing's manner: per bucket the spread of RTTs as
// grey smoke (10th-90th percentile, a darker 25th-75th), the median as a line coloured by the
// bucket's loss band, a strip under the plot with the loss of each bucket and a red block where
// the host was silent for a whole interval or more (an outage, however short), spikes above a
// robust top marked at the edge. Or an overview: one row per host, a heatmap of latency and
// loss. Both with a legend, round time ticks, the dates and the time zone. Pure but for the
// process's time zone.
import {
  formatWhen,
  linearTicks,
  logRange,
  robustTop,
  type Tick,
  timeTicks,
  zoneLabel,
} from './axis.js';
import type { Frame } from './buckets.js';
import type { Tally } from './tally.js';
import { formatMs, formatPct } from './units.js';

export { formatMs, formatPct };

export interface Panel {
  host: string;
  frame: Frame;
}

export interface DrawOptions {
  /** `log`: a logarithmic y axis; `shared`: one linear top for every panel. */
  scale: 'auto' | 'shared' | 'log';
}

export const GRAPH = { width: 800, left: 64, right: 16 };
const PANEL = { height: 250, plotTop: 48, plotHeight: 150 };
const PLOT_W = GRAPH.width - GRAPH.left - GRAPH.right;

interface LossBand {
  /** The band holds losses up to this percent. */
  upTo: number;
  colour: string;
  label: string;
}

/** Loss bands after SmokePing's: none, then ever darker and redder up to no reply at all. */
export const LOSS_BANDS: readonly LossBand[] = [
  { upTo: 0, colour: '#1a9e1a', label: '0' },
  { upTo: 1, colour: '#00b8ff', label: '≤ 1%' },
  { upTo: 5, colour: '#0059ff', label: '≤ 5%' },
  { upTo: 10, colour: '#7e00ff', label: '≤ 10%' },
  { upTo: 25, colour: '#dd00ff', label: '≤ 25%' },
  { upTo: 50, colour: '#ff7a00', label: '≤ 50%' },
  { upTo: 99.999, colour: '#ff0000', label: '< 100%' },
  { upTo: 100, colour: '#7a0000', label: '100%' },
];
const OUTAGE_COLOUR = '#c00000';

/** An outage mark's opacity: faint for a few silent probes in a bucket, solid from a fifth. */
export function outageOpacity({ outage, probes }: Pick<Tally, 'outage' | 'probes'>): string {
  return f1(0.3 + 0.7 * Math.min(1, (outage / Math.max(1, probes)) * 5));
}

export function lossBand(lossPct: number | undefined): LossBand {
  const pct = lossPct ?? 0;
  return LOSS_BANDS.find((b) => pct <= b.upTo) ?? (LOSS_BANDS.at(-1) as LossBand);
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const f1 = (n: number): string => String(Math.round(n * 10) / 10);

/** The figures of a whole span, for a title or a table. */
export function figuresOf(t: Tally): string {
  if (t.probes === 0) return 'no probes';
  const median = t.quantile(0.5);
  const parts = [
    `availability ${formatPct(((t.probes - t.failed) / t.probes) * 100)}`,
    `loss ${formatPct(t.lossPct ?? 0)}`,
  ];
  if (median !== undefined) parts.push(`median ${formatMs(median)}`, `max ${formatMs(t.max)}`);
  return parts.join(' · ');
}

interface YScale {
  y: (ms: number) => number;
  labels: number[];
  top: number;
}

function linearScale(top: number, plotTop: number): YScale {
  const { plotHeight } = PANEL;
  return {
    top,
    labels: linearTicks(top),
    y: (ms) => plotTop + plotHeight - (Math.min(Math.max(ms, 0), top) / top) * plotHeight,
  };
}

function logScale(low: number, high: number, plotTop: number): YScale {
  const [lo, hi] = logRange(low, high);
  const { plotHeight } = PANEL;
  const decades = Math.log10(hi / lo);
  const labels: number[] = [];
  for (let v = lo; v <= hi * 1.0001; v *= 10) labels.push(v);
  return {
    top: hi,
    labels,
    y: (ms) =>
      plotTop +
      plotHeight -
      (Math.log10(Math.min(Math.max(ms, lo), hi) / lo) / decades) * plotHeight,
  };
}

/** The linear top a panel would choose for itself. */
export function panelTop(frame: Frame): number {
  const p90s: number[] = [];
  const medians: number[] = [];
  for (const t of frame.tallies) {
    const p90 = t?.quantile(0.9);
    const median = t?.quantile(0.5);
    if (p90 !== undefined) p90s.push(p90);
    if (median !== undefined) medians.push(median);
  }
  return robustTop(p90s, medians);
}

function xAxis(ticks: Tick[], x: (t: number) => number, top: number, bottom: number): string {
  const out: string[] = [];
  for (const tick of ticks) {
    const xx = f1(x(tick.time));
    out.push(
      `<line class="${tick.major ? 'grid major' : 'grid'}" x1="${xx}" y1="${top}" x2="${xx}" y2="${bottom}"/>`,
      `<text class="${tick.major ? 'xlabel major' : 'xlabel'}" x="${xx}" y="${bottom + 16}" text-anchor="middle">${escapeXml(tick.label)}</text>`,
    );
  }
  return out.join('');
}

function panel(p: Panel, offsetY: number, options: DrawOptions, sharedTop: number): string {
  const { left } = GRAPH;
  const { frame } = p;
  const plotTop = offsetY + PANEL.plotTop;
  const plotBottom = plotTop + PANEL.plotHeight;
  const total = frame.total();
  let scale: YScale;
  if (options.scale === 'log') {
    let low = Number.POSITIVE_INFINITY;
    let high = 0;
    for (const t of frame.tallies) {
      if (!t || t.replies === 0) continue;
      low = Math.min(low, t.min);
      high = Math.max(high, t.max);
    }
    scale = logScale(Number.isFinite(low) ? low : 0.01, high || 1, plotTop);
  } else {
    scale = linearScale(options.scale === 'shared' ? sharedTop : panelTop(frame), plotTop);
  }
  const x = (t: number): number => left + ((t - frame.from) / (frame.to - frame.from)) * PLOT_W;
  const out: string[] = [];
  const title = `${p.host} — ${formatWhen(frame.from)} to ${formatWhen(frame.to)}`;
  out.push(`<text class="title" x="${left}" y="${offsetY + 18}">${escapeXml(title)}</text>`);
  out.push(
    `<text class="figures" x="${left}" y="${offsetY + 35}">${escapeXml(figuresOf(total))}</text>`,
  );
  for (const v of scale.labels) {
    const yy = f1(scale.y(v));
    out.push(`<line class="grid" x1="${left}" y1="${yy}" x2="${left + PLOT_W}" y2="${yy}"/>`);
    out.push(
      `<text class="ylabel" x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${formatMs(v)}</text>`,
    );
  }
  out.push(xAxis(timeTicks(frame.from, frame.to), x, plotTop, plotBottom + 12));
  const w = Math.max(1, PLOT_W / frame.count);
  frame.tallies.forEach((t, i) => {
    const x0 = x(frame.bucketStart(i));
    const xs = f1(x0);
    const ws = f1(w);
    if (!t || t.probes === 0) {
      out.push(`<rect class="nodata" x="${xs}" y="${plotBottom + 2}" width="${ws}" height="3"/>`);
      return;
    }
    const q = (f: number): number => t.quantile(f) as number;
    const loss = t.lossPct ?? 0;
    if (t.replies > 0) {
      out.push(
        `<rect class="smoke" x="${xs}" y="${f1(scale.y(q(0.9)))}" width="${ws}" height="${f1(Math.max(0.5, scale.y(q(0.1)) - scale.y(q(0.9))))}"/>`,
        `<rect class="smoke-core" x="${xs}" y="${f1(scale.y(q(0.75)))}" width="${ws}" height="${f1(Math.max(0.5, scale.y(q(0.25)) - scale.y(q(0.75))))}"/>`,
        `<rect class="median" x="${xs}" y="${f1(scale.y(q(0.5)) - 1)}" width="${ws}" height="2" fill="${lossBand(loss).colour}" data-loss="${f1(loss)}"/>`,
      );
      if (t.max > scale.top) {
        const cx = x0 + w / 2;
        out.push(
          `<path class="spike" d="M${f1(cx - 3)} ${f1(plotTop + 5)}L${f1(cx + 3)} ${f1(plotTop + 5)}L${f1(cx)} ${f1(plotTop)}Z" data-max="${f1(t.max)}"><title>max ${formatMs(t.max)}</title></path>`,
        );
      }
    }
    if (loss > 0) {
      out.push(
        `<rect class="loss" x="${xs}" y="${plotBottom + 2}" width="${ws}" height="4" fill="${lossBand(loss).colour}" data-loss="${f1(loss)}"/>`,
      );
    }
    if (t.outage > 0) {
      // However short, an outage gets at least 2 px so that it shows at any range.
      out.push(
        `<rect class="outage" x="${f1(x0 + w / 2 - Math.max(w, 2) / 2)}" y="${plotBottom + 2}" width="${f1(Math.max(w, 2))}" height="9" fill-opacity="${outageOpacity(t)}" data-outage="${Math.round(t.outage)}"/>`,
      );
    }
  });
  return `<g class="panel" data-host="${escapeXml(p.host)}">${out.join('')}</g>`;
}

const STYLE =
  '.title{font:600 14px sans-serif;fill:#222}.figures,.legend{font:12px sans-serif;fill:#333}' +
  '.ylabel,.xlabel,.zone{font:12px sans-serif;fill:#444}.xlabel.major{font-weight:700;fill:#222}' +
  '.grid{stroke:#e6e6e6}.grid.major{stroke:#bbb}.smoke{fill:#d6d6d6}.smoke-core{fill:#a8a8a8}' +
  `.outage{fill:${OUTAGE_COLOUR}}.nodata{fill:#e8e8e8}.spike{fill:#222}.row{font:10px sans-serif;fill:#222}`;

function legend(y: number, from: number, extra: string[]): string {
  const out: string[] = [];
  let x = GRAPH.left;
  out.push(`<text class="legend" x="${x}" y="${y}">loss:</text>`);
  x += 34;
  for (const band of LOSS_BANDS) {
    out.push(
      `<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${band.colour}"/><text class="legend" x="${x + 13}" y="${y}">${escapeXml(band.label)}</text>`,
    );
    x += 22 + band.label.length * 7.5;
  }
  const notes = [
    `<rect x="${GRAPH.left}" y="${y + 9}" width="10" height="10" fill="${OUTAGE_COLOUR}"/><text class="legend" x="${GRAPH.left + 13}" y="${y + 18}">outage (no reply for 2+ probes)</text>`,
    `<path class="spike" d="M${GRAPH.left + 218} ${y + 19}L${GRAPH.left + 228} ${y + 19}L${GRAPH.left + 223} ${y + 10}Z"/><text class="legend" x="${GRAPH.left + 232}" y="${y + 18}">above the scale</text>`,
    `<text class="zone" x="${GRAPH.left + 340}" y="${y + 18}">times in ${escapeXml(zoneLabel(from))}</text>`,
    ...extra,
  ];
  return out.join('') + notes.join('');
}

function svgDocument(height: number, label: string, body: string): string {
  const l = escapeXml(label);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${GRAPH.width} ${height}" width="100%" style="max-width:${GRAPH.width}px" role="img" aria-label="${l}"><title>${l}</title><style>${STYLE}</style><rect width="100%" height="100%" fill="#fff"/>${body}</svg>\n`;
}

/** Panels stacked, in the order given, with one legend under them. */
export function renderGraph(panels: Panel[], options: DrawOptions = { scale: 'auto' }): string {
  const first = panels[0];
  if (first === undefined) {
    return svgDocument(
      40,
      'Latency graph: no probes',
      `<text class="title" x="${GRAPH.left}" y="24">no probes in the time asked for</text>`,
    );
  }
  const sharedTop =
    options.scale === 'shared' ? Math.max(...panels.map((p) => panelTop(p.frame))) : 1;
  const body = panels.map((p, i) => panel(p, i * PANEL.height, options, sharedTop)).join('');
  const height = panels.length * PANEL.height + 44;
  const { from, to } = first.frame;
  const label = `Latency of ${panels.length === 1 ? first.host : `${panels.length} hosts`}, ${formatWhen(from)} to ${formatWhen(to)}`;
  return svgDocument(height, label, body + legend(panels.length * PANEL.height + 12, from, []));
}

/** Latency colours for the overview: a bucket's median against the host's own over the span. */
const SLOWER = [
  { upTo: 1.2, colour: '#e3eef8', label: '≤ 1.2×' },
  { upTo: 1.5, colour: '#b3cde3', label: '≤ 1.5×' },
  { upTo: 2, colour: '#8c96c6', label: '≤ 2×' },
  { upTo: 4, colour: '#8856a7', label: '≤ 4×' },
  { upTo: Number.POSITIVE_INFINITY, colour: '#4d004b', label: '> 4×' },
];
const ROW = { label: 170, height: 12, head: 40 };

/** A cell's latency colour against the host's `usual` median, or 'outage', or '' (nothing). */
function latencyLook(t: Tally | undefined, usual: number | undefined): string {
  if (!t || t.probes === 0) return '';
  if (t.outage > 0) return 'outage';
  const median = t.quantile(0.5);
  if (median === undefined || !usual) return '';
  const ratio = median / usual;
  return (SLOWER.find((l) => ratio <= l.upTo) ?? (SLOWER.at(-1) as (typeof SLOWER)[0])).colour;
}

/** A cell's loss band colour, or '' when it lost nothing (or holds an outage). */
function lossLook(t: Tally | undefined): string {
  if (!t || t.probes === 0 || t.outage > 0) return '';
  const loss = t.lossPct ?? 0;
  return loss > 0 ? lossBand(loss).colour : '';
}

/** Runs of equal looks along a row: [look, first cell, cells past the last]. */
function runsOf(looks: string[]): [string, number, number][] {
  const runs: [string, number, number][] = [];
  looks.forEach((look, i) => {
    const last = runs.at(-1);
    if (last && last[0] === look && last[2] === i) last[2] = i + 1;
    else if (look !== '') runs.push([look, i, i + 1]);
  });
  return runs;
}

/** Runs of one colour as one path of rectangles `height` high at `y`. */
function paths(
  runs: [string, number, number][],
  w: number,
  y: number,
  height: number,
  cls: string,
): string {
  const byColour = new Map<string, string[]>();
  for (const [colour, from, to] of runs) {
    const d = `M${f1(ROW.label + from * w)} ${y}h${f1(Math.max((to - from) * w, 1))}v${height}H${f1(ROW.label + from * w)}z`;
    byColour.set(colour, [...(byColour.get(colour) ?? []), d]);
  }
  return [...byColour]
    .map(([colour, ds]) => `<path class="${cls}" fill="${colour}" d="${ds.join('')}"/>`)
    .join('');
}

const CELLS_W = GRAPH.width - ROW.label - GRAPH.right;

/**
 * One host's row of the overview (the `index`th): each cell coloured by how much slower its
 * median is than the host's own over the span, with a strip of its loss band under it; an
 * outage fills the cell red. Alike cells next to each other are one rect. The label gives the
 * host's loss and median.
 */
export function overviewRow(p: Panel, index: number): string {
  const { frame } = p;
  const y = ROW.head + index * ROW.height;
  const total = frame.total();
  const median = total.quantile(0.5);
  const text = `${p.host} ${formatPct(total.lossPct ?? 0)}${median === undefined ? '' : ` ${formatMs(median)}`}`;
  const out = [
    `<g class="host" data-host="${escapeXml(p.host)}"><text class="row" x="4" y="${y + 9.5}">${escapeXml(text.length > 34 ? `${text.slice(0, 33)}…` : text)}</text>`,
  ];
  const w = CELLS_W / frame.count;
  const latency = runsOf(frame.tallies.map((t) => latencyLook(t, median)));
  for (const [look, from, to] of latency.filter((r) => r[0] === 'outage')) {
    const cells = frame.tallies.slice(from, to) as Tally[];
    const outage = cells.reduce((n, t) => n + t.outage, 0);
    const probes = cells.reduce((n, t) => n + t.probes, 0);
    const opacity = outageOpacity({ outage, probes });
    out.push(
      `<rect class="${look}" x="${f1(ROW.label + from * w)}" y="${y}" width="${f1(Math.max((to - from) * w, 2))}" height="${ROW.height - 1}" fill-opacity="${opacity}" data-outage="${Math.round(outage)}"/>`,
    );
  }
  out.push(
    paths(
      latency.filter((r) => r[0] !== 'outage'),
      w,
      y,
      ROW.height - 4,
      'latency',
    ),
  );
  out.push(paths(runsOf(frame.tallies.map(lossLook)), w, y + ROW.height - 4, 3, 'loss'));
  out.push('</g>');
  return out.join('');
}

/** The overview around its rows: title, time ticks, legends. */
export function overviewDocument(rows: string[], from: number, to: number): string {
  const x = (t: number): number => ROW.label + ((t - from) / (to - from)) * CELLS_W;
  const bottom = ROW.head + rows.length * ROW.height;
  const ticks = timeTicks(from, to)
    .map(
      (tick) =>
        `<line class="${tick.major ? 'grid major' : 'grid'}" x1="${f1(x(tick.time))}" y1="${ROW.head - 4}" x2="${f1(x(tick.time))}" y2="${bottom}"/><text class="${tick.major ? 'xlabel major' : 'xlabel'}" x="${f1(x(tick.time))}" y="${ROW.head - 8}" text-anchor="middle">${escapeXml(tick.label)}</text>`,
    )
    .join('');
  const title = `${rows.length} hosts — ${formatWhen(from)} to ${formatWhen(to)}`;
  const latency = SLOWER.map(
    (l, i) =>
      `<rect x="${GRAPH.left + 200 + i * 60}" y="${bottom + 48}" width="10" height="10" fill="${l.colour}"/><text class="legend" x="${GRAPH.left + 213 + i * 60}" y="${bottom + 57}">${escapeXml(l.label)}</text>`,
  ).join('');
  const body =
    `<text class="title" x="4" y="16">${escapeXml(title)}</text>${ticks}${rows.join('')}` +
    legend(bottom + 16, from, []) +
    `<text class="legend" x="${GRAPH.left}" y="${bottom + 57}">median against the host's own:</text>${latency}`;
  return svgDocument(
    bottom + 70,
    `Latency and loss of ${rows.length} hosts, ${formatWhen(from)} to ${formatWhen(to)}`,
    body,
  );
}

/** One row per host: readable at a thousand hosts (a row is 12 px). */
export function renderOverview(panels: Panel[]): string {
  const first = panels[0];
  if (first === undefined) return renderGraph([]);
  return overviewDocument(panels.map(overviewRow), first.frame.from, first.frame.to);
}
