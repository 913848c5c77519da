// `status` on a terminal: each host's last 60 probes as one line of block characters, its RTT
// scaled between the lowest and highest of them, `×` for a probe without reply. The figures are
// read backwards from the end of the ping log, so the daemon keeps nothing for them.
import { closeSync, fstatSync } from 'node:fs';
import { canonicalHost } from '../config/host.js';
import { openForReading } from '../ping-log/files.js';
import { parseLogLine } from '../ping-log/format.js';
import { completeEnd, linesBackward } from '../reading/line-reader.js';

export const SPARK_PROBES = 60;
const BLOCKS = '▁▂▃▄▅▆▇█';
export const NO_REPLY = '×';

/** `values` oldest first: RTTs, `undefined` for no reply. Pure. */
export function sparkline(values: readonly (number | undefined)[]): string {
  const rtts = values.filter((v): v is number => v !== undefined);
  const low = Math.min(...rtts);
  const high = Math.max(...rtts);
  return values
    .map((v) => {
      if (v === undefined) return NO_REPLY;
      const level = high > low ? Math.round(((v - low) / (high - low)) * (BLOCKS.length - 1)) : 0;
      return BLOCKS[level];
    })
    .join('');
}

/**
 * The last SPARK_PROBES results of each of `hosts` in the log at `path`, oldest first; stops after
 * `maxLines` lines however few it found (a host gone quiet must not make `status` read a
 * gigabyte).
 */
export function recentResults(
  path: string,
  hosts: string[],
  maxLines = 200_000,
): Map<string, (number | undefined)[]> {
  const wanted = new Map(hosts.map((h) => [h, [] as (number | undefined)[]]));
  let missing = hosts.length;
  let fd: number | undefined;
  try {
    fd = openForReading(path);
    let read = 0;
    for (const line of linesBackward(fd, completeEnd(fd, fstatSync(fd).size))) {
      if (++read > maxLines || missing === 0) break;
      const e = parseLogLine(line.text);
      if (e?.event !== 'end' || e.host === undefined || e.error === 'stopped by shutdown') continue;
      const list = wanted.get(canonicalHost(e.host));
      if (!list || list.length >= SPARK_PROBES) continue;
      list.push(e.status === 'up' ? e.rttMs : undefined);
      if (list.length === SPARK_PROBES) missing--;
    }
  } catch {
    // No log to read: no sparkline, and status says the rest.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  for (const list of wanted.values()) list.reverse();
  return wanted;
}
