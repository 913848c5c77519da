// The history directory and its files, through one rrdtool child: writing a closed step, reading
// a range at the resolution it needs, listing the hosts it holds. The directory is the daemon
// user's alone (created so, refused otherwise): rrdtool opens files by name, so nobody else may
// plant a link in it.
import { chownSync, existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SYSTEM_PATH } from '../config/options.js';
import { describeErrno } from '../errors.js';
import type { Tally } from '../graphs/tally.js';
import { isExecutableFile } from '../probing/ping-exec.js';
import {
  createCommand,
  DATA_SOURCES,
  historyFileName,
  hostOfFileName,
  parseFetch,
  type Row,
  STEP_S,
  updateValues,
} from './layout.js';
import { RrdTool } from './rrdtool.js';

/** rrdtool's path on the system PATH, or `undefined`. */
export function findRrdtool(): string | undefined {
  for (const dir of SYSTEM_PATH.split(':')) {
    const path = join(dir, 'rrdtool');
    if (isExecutableFile(path)) return path;
  }
  return undefined;
}

/**
 * Makes the history directory if it is missing (owned by `uid`) and says what is wrong with it
 * otherwise: not a directory, a link, someone else's, or writable by others.
 */
export function historyDirProblem(dir: string, uid: number, gid: number): string | undefined {
  try {
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      if (process.getuid?.() === 0) chownSync(dir, uid, gid);
    }
    const st = lstatSync(dir);
    if (st.isSymbolicLink()) return 'is a symbolic link';
    if (!st.isDirectory()) return 'is not a directory';
    if (st.uid !== uid) return `belongs to uid ${st.uid}, not to the daemon's user (uid ${uid})`;
    if ((st.mode & 0o022) !== 0) return 'can be written by others (chmod go-w)';
    return undefined;
  } catch (err) {
    return `cannot be made: ${describeErrno(err)}`;
  }
}

export interface FetchedLines {
  lines: string[];
  /** The rows' step, seconds. */
  step: number;
}

export interface Fetched {
  rows: Row[];
  /** The rows' step, seconds. */
  step: number;
}

export class HistoryStore {
  readonly dir: string;
  readonly #rrd: RrdTool;
  /** Hosts whose file this process has made or checked, with their last update. */
  readonly #last = new Map<string, number>();
  readonly #writes = new Map<string, Promise<void>>();

  constructor(dir: string, rrdtool: string) {
    this.dir = dir;
    this.#rrd = new RrdTool(rrdtool, dir);
  }

  /** The hosts the directory holds a file for, sorted. */
  hosts(): string[] {
    return readdirSync(this.dir)
      .map(hostOfFileName)
      .filter((h): h is string => h !== undefined)
      .sort();
  }

  has(host: string): boolean {
    return existsSync(join(this.dir, historyFileName(host)));
  }

  /**
   * Steps of one host, oldest first, after any it already holds: the file is made when missing,
   * steps at or before its last update are skipped, a gap before the first is left unknown.
   */
  write(host: string, steps: { end: number; tally: Tally }[]): Promise<void> {
    // One host's writes in order, each after the last update the one before it made.
    const before = this.#writes.get(host) ?? Promise.resolve();
    const after = before.catch(() => {}).then(() => this.#write(host, steps));
    this.#writes.set(host, after);
    void after
      .finally(() => {
        if (this.#writes.get(host) === after) this.#writes.delete(host);
      })
      .catch(() => {});
    return after;
  }

  async #write(host: string, steps: { end: number; tally: Tally }[]): Promise<void> {
    const first = steps[0];
    if (first === undefined) return;
    const file = historyFileName(host);
    let last = this.#last.get(host);
    if (last === undefined) {
      if (existsSync(join(this.dir, file))) {
        last = Number((await this.#rrd.run(`last ${file}`))[0]);
      } else {
        await this.#rrd.run(createCommand(file, first.end - STEP_S));
        last = first.end - STEP_S;
      }
    }
    const values: string[] = [];
    let at = last;
    for (const step of steps) {
      if (step.end <= at) continue;
      if (step.end - STEP_S > at) values.push(`${step.end - STEP_S}:${unknownValues}`);
      values.push(`${step.end}:${updateValues(step.tally)}`);
      at = step.end;
    }
    try {
      if (values.length > 0) await this.#rrd.run(`update ${file} ${values.join(' ')}`);
    } catch (err) {
      // The file may have changed under us (a rebuild renamed a new one in): ask it again.
      this.#last.delete(host);
      throw err;
    }
    this.#last.set(host, at);
  }

  /**
   * One host's rows over [from, to) (seconds), at the coarsest step no coarser than `step`, as
   * rrdtool prints them (read them with readRow), and their step.
   */
  async fetchLines(host: string, from: number, to: number, step: number): Promise<FetchedLines> {
    const lines = await this.#rrd.run(
      `fetch ${historyFileName(host)} AVERAGE -r ${Math.max(STEP_S, Math.floor(step))} -s ${Math.floor(from)} -e ${Math.ceil(to)}`,
    );
    const ends = lines.filter((l) => /^\d+:/.test(l)).slice(0, 2);
    const rowStep =
      ends.length === 2
        ? Number.parseInt(ends[1] as string, 10) - Number.parseInt(ends[0] as string, 10)
        : STEP_S;
    return { lines, step: rowStep };
  }

  /** The same rows, each as a tally. */
  async fetch(host: string, from: number, to: number, step: number): Promise<Fetched> {
    const { lines, step: rowStep } = await this.fetchLines(host, from, to, step);
    return { rows: parseFetch(lines), step: rowStep };
  }

  close(): Promise<void> {
    return this.#rrd.close();
  }
}

const unknownValues = DATA_SOURCES.map(() => 'U').join(':');
