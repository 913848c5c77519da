// What the benchmarks read of a process in /proc, and the percentile they report.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { statFields } from '../src/lifecycle/proc.js';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** The CPU time (utime+stime) process `pid` has used, in ms. */
export function cpuMs(pid: number): number {
  const f = statFields(pid).map(Number);
  return (((f[11] ?? 0) + (f[12] ?? 0)) * 1000) / CLK_TCK;
}

export function rssMb(pid: number): number {
  return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]) / 1024;
}

/** The nearest-rank percentile `p` of `values` (NaN when there are none). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
