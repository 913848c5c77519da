// `history rebuild`: the history made anew from ping logs (rotated and gzipped ones too), for a
// migration or a lost directory. Each host's file is built in a private directory inside the
// history directory and renamed into place when complete, so a reader (or the daemon) never
// sees half a file. Memory: each host's minute in progress and a batch of closed ones.
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { allFiles, probesOf } from '../graphs/log-source.js';
import { Streak, Tally } from '../graphs/tally.js';
import { STEP_S } from './layout.js';
import { HistoryStore } from './store.js';

const STEP_MS = STEP_S * 1000;
/** Minutes sent to rrdtool in one `update`. */
const BATCH = 720;

interface Open {
  from: number;
  tally: Tally;
  streak: Streak;
  steps: { end: number; tally: Tally }[];
}

export interface Rebuilt {
  hosts: number;
  probes: number;
  files: string[];
  skipped: string[];
}

export async function rebuildHistory(
  logFile: string,
  dir: string,
  rrdtool: string,
): Promise<Rebuilt> {
  const files = allFiles(logFile);
  const skipped: string[] = [];
  const work = mkdtempSync(join(dir, '.rebuild-'));
  const store = new HistoryStore(work, rrdtool);
  const hosts = new Map<string, Open>();
  let probes = 0;
  try {
    const pending: Promise<void>[] = [];
    for await (const p of probesOf(
      files,
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      skipped,
    )) {
      probes++;
      const minute = Math.floor(p.time / STEP_MS) * STEP_MS;
      let open = hosts.get(p.host);
      if (open === undefined) {
        open = { from: minute, tally: new Tally(), streak: new Streak(), steps: [] };
        hosts.set(p.host, open);
      }
      if (minute > open.from) {
        open.steps.push({ end: (open.from + STEP_MS) / 1000, tally: open.tally });
        open.from = minute;
        open.tally = new Tally();
        if (open.steps.length >= BATCH) {
          pending.push(store.write(p.host, open.steps.splice(0)));
          if (pending.length > 64) await Promise.all(pending.splice(0));
        }
      }
      open.tally.add(p.rttMs, p.lossPct, open.streak.next(p.rttMs === undefined));
    }
    for (const [host, open] of hosts) {
      open.steps.push({ end: (open.from + STEP_MS) / 1000, tally: open.tally });
      pending.push(store.write(host, open.steps.splice(0)));
    }
    await Promise.all(pending);
    await store.close();
    for (const name of readdirSync(work)) renameSync(join(work, name), join(dir, name));
  } finally {
    await store.close();
    rmSync(work, { recursive: true, force: true });
  }
  return { hosts: hosts.size, probes, files, skipped };
}
