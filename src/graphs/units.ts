// One convention for times and percentages in every output: graphs, the page, `status`. Pure.

/** 0.042 → `42 µs`, 27.8 → `27.8 ms`, 1500 → `1.5 s`: one convention everywhere. */
export function formatMs(ms: number): string {
  const trim = (n: number): string => String(Number(n.toPrecision(3)));
  if (ms === 0) return '0';
  if (ms < 1) return `${trim(ms * 1000)} µs`;
  if (ms < 1000) return `${trim(ms)} ms`;
  return `${trim(ms / 1000)} s`;
}

/** 0.5123 → `0.51%`, 0 → `0%`. */
export function formatPct(pct: number): string {
  if (pct === 0 || pct === 100) return `${pct}%`;
  return `${Number(pct.toPrecision(pct < 1 ? 2 : 3))}%`;
}
