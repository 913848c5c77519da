// Durations as users write them: `500ms`, `3s`, `1m`, `1h`, or a bare number of seconds.

const DAY_MS = 86_400_000;
const units: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: DAY_MS,
  w: 7 * DAY_MS,
  y: 365 * DAY_MS,
};
const pattern = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d|w|y)?$/;

/** The longest time between two probes: a day. Longer is a mistake (`597h`, `1e308`). */
export const MAX_INTERVAL_MS = 24 * 3_600_000;

/**
 * Milliseconds, or `undefined` when `input` is not a positive duration (or so long that it is
 * no number of milliseconds a timer or a date can hold exactly: past ~285,000 years).
 */
export function parseDuration(input: unknown): number | undefined {
  let ms: number;
  if (typeof input === 'number') {
    ms = Math.round(input * 1000);
  } else {
    if (typeof input !== 'string') return undefined;
    const match = pattern.exec(input.trim());
    if (!match) return undefined;
    ms = Math.round(Number(match[1]) * (units[match[2] ?? 's'] ?? 1000));
  }
  return ms > 0 && ms <= Number.MAX_SAFE_INTEGER ? ms : undefined;
}

/** The shortest exact spelling: 3000 → `3s`, 500 → `500ms`, 90000 → `90s`, 60000 → `1m`. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** What is wrong with a probe duration (an interval, a timeout), or undefined. */
export function probeDurationProblem(v: unknown): string | undefined {
  const ms = parseDuration(v);
  if (ms === undefined) return 'must be a positive duration like `3s` or `500ms`';
  if (ms > MAX_INTERVAL_MS) return `must be at most ${formatDuration(MAX_INTERVAL_MS)}`;
  return undefined;
}

/** 93784000 → `1d 2h 3m`; under a minute, seconds. */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const parts: [number, string][] = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
  ];
  return parts
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join(' ');
}
