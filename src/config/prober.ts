// Which prober runs (docs/fleets.md): `--prober auto`, the default, spawns one ping per tick for
// a few hosts, the workload this project mirrors, and runs fping loops from AUTO_FPING_FROM hosts
// on when fping is installed. Pure: whether fping is there is asked of the caller.
import type { Prober } from './options.js';

/** What actually probes: one ping per tick, or long-lived fping loops. */
export type ProbeMethod = 'ping' | 'fping';

/**
 * From this many hosts on, `auto` runs fping. Measured (docs/performance.md, bench/PROBERS.md):
 * a ping per tick costs some 10 ms of CPU a probe on the test machine, so 10 hosts at the default
 * 3 s interval are 3 % of a core against well under 1 % with fping; below that both are small
 * and the tutorial's one ping per tick, whose lines every admin can read off `ping` itself, is
 * kept.
 */
export const AUTO_FPING_FROM = 10;

export interface ProberChoice {
  prober: ProbeMethod;
  /** Why, in a few words, for status, the service log and `start`. */
  why: string;
}

const hostsText = (n: number): string => `${n} host${n === 1 ? '' : 's'}`;

export function chooseProber(
  requested: Prober,
  hosts: number,
  fpingInstalled: () => boolean,
): ProberChoice {
  if (requested !== 'auto') return { prober: requested, why: `--prober ${requested}` };
  if (hosts < AUTO_FPING_FROM) {
    return {
      prober: 'ping',
      why: `auto: ${hostsText(hosts)}, one ping per tick below ${AUTO_FPING_FROM}`,
    };
  }
  if (fpingInstalled()) {
    return { prober: 'fping', why: `auto: ${hostsText(hosts)}, fping from ${AUTO_FPING_FROM}` };
  }
  return {
    prober: 'ping',
    why: `auto: ${hostsText(hosts)}, but fping is not installed (apt-get install fping)`,
  };
}
