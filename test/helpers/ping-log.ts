// Ping logs as a daemon would have written them over days, made in a moment: realistic RTTs
// (a baseline with jitter and rare spikes), random loss, outages and degraded spells, all from a
// seeded generator so that every run writes the same file. For tests and benchmarks.
import { closeSync, openSync, writeSync } from 'node:fs';

export interface Spell {
  host: string;
  from: number;
  to: number;
}

export interface SyntheticLog {
  hosts: string[];
  /** ms since the epoch. */
  start: number;
  end: number;
  intervalMs: number;
  /** Chance that a probe is lost, 0 to 1. */
  loss?: number;
  /** No reply at all. */
  outages?: Spell[];
  /** Five times slower, 10 % loss. */
  degraded?: Spell[];
  /** A probe now and then ten to a hundred times the baseline. */
  spikes?: boolean;
}

/** A small seeded generator (mulberry32): the same numbers every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const inSpell = (spells: Spell[] | undefined, host: string, t: number): boolean =>
  spells?.some((s) => s.host === host && t >= s.from && t < s.to) ?? false;

/** Writes the end lines (text format, UTC); returns how many. */
export function writeSyntheticLog(path: string, spec: SyntheticLog): number {
  const rnd = random(42);
  const fd = openSync(path, 'w');
  let chunk = '';
  let lines = 0;
  const baseline = spec.hosts.map((_, i) => 2 + ((i * 7.3) % 40));
  for (let t = spec.start, seq = 1; t < spec.end; t += spec.intervalMs, seq++) {
    const time = new Date(t).toISOString().replace('Z', '+00:00');
    spec.hosts.forEach((host, i) => {
      const degraded = inSpell(spec.degraded, host, t);
      const lost = inSpell(spec.outages, host, t) || rnd() < (degraded ? 0.1 : (spec.loss ?? 0));
      let rtt = (baseline[i] as number) * (degraded ? 5 : 1) * (1 + 0.15 * (rnd() + rnd() - 1));
      if (spec.spikes && rnd() < 0.0005) rtt *= 10 + rnd() * 90;
      const result = lost ? 'status=down loss=100%' : `status=up rtt_ms=${rtt.toFixed(3)} loss=0%`;
      chunk += `end of time--------:${time} host=${host} seq=${seq} ${result}\n`;
      lines++;
    });
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
  return lines;
}
