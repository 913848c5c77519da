// The axes of a graph: round time ticks in local time (dates at midnight, the time zone named),
// and a y range that a single spike cannot crush. Pure but for the process's time zone.

export interface Tick {
  time: number;
  label: string;
  /** A date (midnight, the first of a month): drawn bolder. */
  major: boolean;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Tick steps in minutes below a day. */
const CLOCK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720];
const DAY_STEPS = [1, 2, 7, 14];
const MONTH_STEPS = [1, 2, 3, 6, 12];

const pad2 = (n: number): string => String(n).padStart(2, '0');
const dayLabel = (d: Date): string => `${d.getDate()} ${MONTHS[d.getMonth()]}`;

/** `2026-12-05 14:03`, local time. */
export function formatWhen(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** `UTC+01:00 (Europe/Berlin)`: the zone the times are in, as of `t`. */
export function zoneLabel(t: number): string {
  const offset = -new Date(t).getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const utc = `UTC${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
  return name && name !== 'UTC' && name !== 'Etc/UTC' ? `${utc} (${name})` : utc;
}

/** Local midnights from the one at or before `from` until `to`. */
function* midnights(from: number, to: number): Generator<Date> {
  const d = new Date(from);
  let day = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  while (day.getTime() < to) {
    yield day;
    day = new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1);
  }
}

/** Round ticks over [from, to), at most about `most` of them. */
export function timeTicks(from: number, to: number, most = 8): Tick[] {
  const span = to - from;
  const inside = (t: number): boolean => t >= from && t < to;
  const clock = CLOCK_STEPS.find((m) => span / (m * MINUTE) <= most);
  if (clock !== undefined) {
    const ticks: Tick[] = [];
    for (const day of midnights(from, to)) {
      for (let k = 0; k * clock < 24 * 60; k++) {
        const d = new Date(day.getFullYear(), day.getMonth(), day.getDate(), 0, k * clock);
        if (d.getDate() !== day.getDate() || !inside(d.getTime())) continue;
        const midnight = k === 0;
        ticks.push({
          time: d.getTime(),
          label: midnight ? dayLabel(d) : `${pad2(d.getHours())}:${pad2(d.getMinutes())}`,
          major: midnight,
        });
      }
    }
    return ticks;
  }
  const days = DAY_STEPS.find((n) => span / (n * DAY) <= most);
  if (days !== undefined) {
    const ticks: Tick[] = [];
    for (const d of midnights(from, to)) {
      const keep = days === 7 || days === 14 ? d.getDay() === 1 : (d.getDate() - 1) % days === 0;
      if (!keep || !inside(d.getTime())) continue;
      if (
        days === 14 &&
        ticks.length > 0 &&
        d.getTime() - (ticks.at(-1) as Tick).time < 14 * DAY - 2 * 3_600_000
      )
        continue;
      ticks.push({ time: d.getTime(), label: dayLabel(d), major: d.getDate() === 1 });
    }
    return ticks;
  }
  const months = MONTH_STEPS.find((n) => span / (n * 30.4 * DAY) <= most) ?? 24;
  const ticks: Tick[] = [];
  const start = new Date(from);
  for (let m = 0; ; m++) {
    const d = new Date(start.getFullYear(), start.getMonth() + m, 1);
    if (d.getTime() >= to) break;
    if (d.getMonth() % months !== 0 || !inside(d.getTime())) continue;
    const january = d.getMonth() === 0;
    ticks.push({
      time: d.getTime(),
      label: january ? String(d.getFullYear()) : `${MONTHS[d.getMonth()]}`,
      major: january,
    });
  }
  return ticks;
}

/** A round upper bound: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= max * (1 - 1e-12)) return step * power;
  return 10 * power;
}

/** Round values from 0 to `top`, five or so: 0, 1, 2 … 5 ms; 0, 5 … 20 ms; never 1.25. */
export function linearTicks(top: number): number[] {
  const step = niceCeiling(top / 5);
  const ticks: number[] = [];
  for (let i = 0; i * step <= top * (1 + 1e-9); i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** The value at the nearest rank `q` (0 to 1) of unsorted values. */
function rank(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/**
 * The top of a linear y axis: round, above the spread of nearly every bucket (the 95th
 * percentile of their 90th percentiles) and every median but the rarest, so one spike is
 * marked at the edge instead of squashing the rest.
 */
export function robustTop(p90s: number[], medians: number[]): number {
  if (p90s.length === 0) return 1;
  const spread = rank(p90s, p90s.length >= 20 ? 0.95 : 1);
  const middle = rank(medians, medians.length >= 100 ? 0.99 : 1);
  return niceCeiling(Math.max(spread, middle) * 1.1);
}

/** Powers of ten around [low, high]: a logarithmic y axis. */
export function logRange(low: number, high: number): [number, number] {
  const lo = 10 ** Math.floor(Math.log10(Math.max(low, 0.001)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(high, lo * 10)));
  return [lo, hi > lo ? hi : lo * 10];
}
