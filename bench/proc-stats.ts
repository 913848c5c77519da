// What the benchmarks read of a process in /proc, and the percentile they report.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { statFields } from '../src/lifecycle/proc.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
/** Clock ticks a second: the unit of /proc/PID/stat's times. */
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** The CPU time (utime+stime) process `pid` has used, in ms. */
export function cpuMs(pid: number): number {
  const f = statFields(pid).map(Number);
  return (((f[11] ?? 0) + (f[12] ?? 0)) * 1000) / CLK_TCK;
}

export function rssMb(pid: number): number {
  return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]) / 1024;
}

/** A markdown table. */
export function table(head: string[], body: (string | number)[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...body.map((b) => `| ${b.join(' | ')} |`),
  ].join('\n');
}

/** The nearest-rank percentile `p` of `values` (NaN when there are none). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Runs the CLI; wall time and the peak RSS (VmHWM, read until it exits). */
export function measure(
  args: string[],
): Promise<{ ms: number; peakMb: number; code: number | null; out: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let peak = 0;
    child.stdout.on('data', (d: Buffer) => {
      if (out.length < 4096) out += d;
    });
    const poll = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'latin1'));
        if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
      } catch {
        // exited
      }
    }, 20);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ ms: performance.now() - t0, peakMb: peak, code, out });
    });
  });
}
