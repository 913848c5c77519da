// Durations as users write them: `500ms`, `3s`, `1m`, `1h`, or a bare number of seconds.

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const pattern = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?$/;

/** Milliseconds, or `undefined` when `input` is not a positive duration. */
export function parseDuration(input: unknown): number | undefined {
  if (typeof input === 'number') {
    return Number.isFinite(input) && input > 0 ? Math.round(input * 1000) : undefined;
  }
  if (typeof input !== 'string') return undefined;
  const match = pattern.exec(input.trim());
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * (units[match[2] ?? 's'] ?? 1000));
  return ms > 0 ? ms : undefined;
}

/** The shortest exact spelling: 3000 → `3s`, 500 → `500ms`, 90000 → `90s`, 60000 → `1m`. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
