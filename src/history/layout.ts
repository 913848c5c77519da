// The history's layout in rrdtool: one file per host, a step of one minute, each step the
// minute's Tally (probes, failed, outage, loss, min, max and the latency bins), consolidated by
// AVERAGE into four archives. Averages of counts merge exactly: a consolidated row holds the
// mean per minute of the minutes it covers, so every ratio (loss, availability, a quantile of
// the bins) is the exact one of those minutes. Pure.
import { BINS, binRange, Tally } from '../graphs/tally.js';

export const STEP_S = 60;

/** The archives: one minute for 2 days, 5 for 2 weeks, an hour for 90 days, a day for 3 years. */
export const TIERS = [
  { steps: 1, rows: 2 * 1440 },
  { steps: 5, rows: 14 * 288 },
  { steps: 60, rows: 90 * 24 },
  { steps: 1440, rows: 3 * 366 },
] as const;

const COUNTS = ['probes', 'failed', 'outage', 'loss'] as const;
export const DATA_SOURCES = [
  ...COUNTS,
  'min',
  'max',
  ...Array.from({ length: BINS }, (_, i) => `b${String(i).padStart(2, '0')}`),
  ...Array.from({ length: BINS }, (_, i) => `s${String(i).padStart(2, '0')}`),
];

/** What one host's file takes on disk: rows × sources × 8 bytes, and rrdtool's headers. */
export const BYTES_PER_HOST =
  TIERS.reduce((n, t) => n + t.rows, 0) * DATA_SOURCES.length * 8 + 32 * 1024;

/** A host's file name: letters, digits, `.` and `-` as they are, anything else `_xx`. */
export function historyFileName(host: string): string {
  const safe = host.replace(
    /[^A-Za-z0-9.-]/g,
    (c) => `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return `${safe.startsWith('.') ? `_2e${safe.slice(1)}` : safe}.rrd`;
}

/** The host a file name stands for, or `undefined` for a name historyFileName never makes. */
export function hostOfFileName(name: string): string | undefined {
  if (!name.endsWith('.rrd')) return undefined;
  const host = name
    .slice(0, -4)
    .replace(/_([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return historyFileName(host) === name ? host : undefined;
}

/** rrdtool's `create` for one host's file, its first step ending after `startS`. */
export function createCommand(file: string, startS: number): string {
  // A step's values reach rrdtool once, at its end: twice the step without one is unknown.
  const sources = DATA_SOURCES.map((ds) => `DS:${ds}:GAUGE:${2 * STEP_S}:0:U`);
  const archives = TIERS.map((t) => `RRA:AVERAGE:0.5:${t.steps}:${t.rows}`);
  return [
    'create',
    file,
    '--start',
    String(startS),
    '--step',
    String(STEP_S),
    '--no-overwrite',
    ...sources,
    ...archives,
  ].join(' ');
}

const num = (n: number): string => (Number.isFinite(n) ? String(Math.round(n * 1000) / 1000) : 'U');

/** One step's values for `update`, in DATA_SOURCES' order. */
export function updateValues(t: Tally): string {
  const replied = t.replies > 0;
  return [
    t.probes,
    t.failed,
    t.outage,
    num(t.lossSum),
    replied ? num(t.min) : 'U',
    replied ? num(t.max) : 'U',
    ...Array.from(t.bins, (c) => String(c)),
    ...Array.from(t.sums, (sum) => num(sum)),
  ].join(':');
}

export interface Row {
  /** The row covers (end - step, end], seconds since the epoch. */
  end: number;
  /** Means per minute of the minutes it covers. */
  tally: Tally;
}

/**
 * One line of `fetch`'s output (`END: v v v …`) read into `into` (DATA_SOURCES' order): its end,
 * or `undefined` for a header, a blank or a row without data.
 */
export function readRow(line: string, into: Float64Array): number | undefined {
  const colon = line.indexOf(':');
  if (colon < 0) return undefined;
  const end = Number(line.slice(0, colon));
  if (!Number.isInteger(end)) return undefined;
  let n = 0;
  for (const word of line.slice(colon + 1).split(' ')) {
    if (word === '') continue;
    if (n >= into.length) return undefined;
    into[n++] = Number(word); // `-nan`, `nan`: NaN, no data
  }
  return n === into.length && Number.isFinite(into[0]) ? end : undefined;
}

/**
 * Adds a row's values to a tally, its counts `weight` times. A consolidated row's min and max
 * are means of each minute's, so they are widened to the bins: a spike in one minute of a day
 * still reaches the bin it fell in.
 */
export function mergeRow(t: Tally, v: Float64Array, weight: number): void {
  const at = (i: number): number => {
    const x = v[i] as number;
    return Number.isFinite(x) ? x : 0;
  };
  t.probes += at(0) * weight;
  t.failed += at(1) * weight;
  t.outage += at(2) * weight;
  t.lossSum += at(3) * weight;
  let lowest = -1;
  let highest = -1;
  for (let i = 0; i < BINS; i++) {
    const count = at(6 + i);
    if (count > 0) {
      if (lowest < 0) lowest = i;
      highest = i;
    }
    t.bins[i] = (t.bins[i] as number) + count * weight;
    t.sums[i] = (t.sums[i] as number) + at(6 + BINS + i) * weight;
  }
  if (highest < 0) return;
  const min = Math.min(Number.isFinite(v[4]) ? (v[4] as number) : Infinity, binRange(lowest)[1]);
  const max = Math.max(Number.isFinite(v[5]) ? (v[5] as number) : 0, binRange(highest)[0]);
  if (min < t.min) t.min = min;
  if (max > t.max) t.max = max;
}

/** The rows of `fetch`'s output that hold data, each as a tally of its means per minute. */
export function parseFetch(lines: string[]): Row[] {
  const rows: Row[] = [];
  const v = new Float64Array(DATA_SOURCES.length);
  for (const line of lines) {
    const end = readRow(line, v);
    if (end === undefined) continue;
    const tally = new Tally();
    mergeRow(tally, v, 1);
    rows.push({ end, tally });
  }
  return rows;
}
