// npm run soak [-- TICKS INTERVAL]: runs the daemon against 127.0.0.1 for TICKS ticks (default
// 20,000 at 10ms) and samples what a leak would grow: open descriptors, RSS, child processes.
// Prints a table and a verdict; the figures go in the closing note of the reliability work.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childrenOf } from '../src/lifecycle/proc.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const ticks = Number(process.argv[2] ?? 20_000);
const interval = process.argv[3] ?? '10ms';
const dir = mkdtempSync(join(tmpdir(), 'pd-soak-'));
const pidFile = join(dir, 'd.pid');
const cli = (...args: string[]) =>
  execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

cli(
  'start',
  '--host',
  '127.0.0.1',
  '--interval',
  interval,
  '--log-file',
  join(dir, 'p.log'),
  '--pid-file',
  pidFile,
  '--service-log',
  join(dir, 's.log'),
);
const pid = Number(readFileSync(pidFile, 'utf8'));

interface Sample {
  seconds: number;
  ticks: number;
  fds: number;
  rssKb: number;
  children: number;
}

/** The one host's counters in the state file. */
function hostStats(state: {
  stats: { hosts: Record<string, { probes: number; skipped: number; up: number }> };
}) {
  return Object.values(state.stats.hosts)[0] ?? { probes: 0, skipped: 0, up: 0 };
}

function sample(t0: number): Sample {
  const state = JSON.parse(readFileSync(join(dir, 'd.state.json'), 'utf8'));
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  return {
    seconds: Math.round((Date.now() - t0) / 1000),
    ticks: hostStats(state).probes + hostStats(state).skipped,
    fds: readdirSync(`/proc/${pid}/fd`).length,
    rssKb: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]),
    children: childrenOf(pid).length,
  };
}

const t0 = Date.now();
const samples: Sample[] = [];
await new Promise((r) => setTimeout(r, 2000));
for (;;) {
  const s = sample(t0);
  samples.push(s);
  console.log(
    `${String(s.seconds).padStart(5)} s  ${String(s.ticks).padStart(6)} ticks  fds ${s.fds}  rss ${(s.rssKb / 1024).toFixed(1)} MB  children ${s.children}`,
  );
  if (s.ticks >= ticks) break;
  await new Promise((r) => setTimeout(r, 5000));
}
const state = JSON.parse(readFileSync(join(dir, 'd.state.json'), 'utf8'));
cli('stop', '--pid-file', pidFile);
const first = samples[0] as Sample;
const last = samples.at(-1) as Sample;
const maxChildren = Math.max(...samples.map((s) => s.children));
console.log(
  JSON.stringify({
    ticks: last.ticks,
    interval,
    probes: hostStats(state).probes,
    skipped: hostStats(state).skipped,
    up: hostStats(state).up,
    fds: { first: first.fds, last: last.fds, max: Math.max(...samples.map((s) => s.fds)) },
    rssMb: {
      first: first.rssKb / 1024,
      last: last.rssKb / 1024,
      max: Math.max(...samples.map((s) => s.rssKb)) / 1024,
    },
    maxChildren,
  }),
);
