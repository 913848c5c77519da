// The daemon's side of history: every result goes into its host's minute (MinuteBook); a timer
// at each minute's end (and a grace for late results) closes the minutes and writes them through
// the store, every host due at once (one write to rrdtool, which answers each in turn), after the
// previous minute's writes are done. With a handful of hosts each minute is written as it closes.
// From BATCH_FROM_HOSTS on, a host's minutes are written BATCH_MINUTES at a time, the hosts taking
// turns (a fifth of them each minute): rrdtool's cost is its opening and mapping of a host's
// file, which five minutes pay once (0.23 against 0.07 ms a minute written, docs/performance.md),
// and at 100 hosts writing each minute cost as much CPU as a fifth of fping's. A host's first
// minute is written at once when it has no file yet, so that its file is there to draw (a host
// whose file is there, as after a restart, waits for its turn); a host retired by a reload and a
// clean stop write what they hold. A write that fails is logged once per host and the daemon
// goes on: history is a record, never a reason to stop probing. A kill -9 loses the minutes not
// yet written (`history rebuild` reads them back from the log).
import type { Logger } from '../telemetry/service-log.js';
import { type ClosedStep, MinuteBook } from './minutes.js';
import type { HistoryStore } from './store.js';

/** How long after a minute's end its late results are still awaited. */
export const GRACE_MS = 5000;
/** From this many hosts, minutes are written in batches... */
export const BATCH_FROM_HOSTS = 10;
/** ...of this many, each host in its turn. */
export const BATCH_MINUTES = 5;

/** How many closed minutes a host's write waits for, with `hosts` hosts. */
export function batchMinutes(hosts: number): number {
  return hosts >= BATCH_FROM_HOSTS ? BATCH_MINUTES : 1;
}

/** Whether a host in turn `turn` writes with the minute that ends at `endS`, in batches of `every`. */
export function isTurn(turn: number, endS: number, every: number): boolean {
  return (Math.floor(endS / 60) + turn) % every === 0;
}

/** A host's closed minutes not yet written, and its turn among the hosts. */
interface Queue {
  steps: ClosedStep[];
  turn: number;
}

export class HistoryRecorder {
  readonly #book = new MinuteBook();
  readonly #store: HistoryStore;
  readonly #logger: Logger;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  readonly #failing = new Set<string>();
  readonly #queues = new Map<string, Queue>();
  #turns = 0;

  constructor(store: HistoryStore, logger: Logger, now: () => number = Date.now) {
    this.#store = store;
    this.#logger = logger;
    this.#now = now;
  }

  start(): void {
    const wait = MinuteBook.nextClose(this.#now(), GRACE_MS) - this.#now();
    this.#timer = setTimeout(
      () => {
        this.flush();
        this.start();
      },
      Math.max(100, wait),
    );
  }

  observe(
    host: string,
    rttMs: number | undefined,
    lossPct: number | undefined,
    time: number,
  ): void {
    this.#book.observe(host, time, rttMs, lossPct);
  }

  /** A host no longer probed: its minute in progress is dropped, its closed ones written. */
  retire(host: string): void {
    this.#book.retire(host);
    const queue = this.#queues.get(host);
    this.#queues.delete(host);
    if (queue !== undefined && queue.steps.length > 0) this.#writeAll([queue.steps]);
  }

  get store(): HistoryStore {
    return this.#store;
  }

  /** Closes the minutes that have ended, writes those due; resolves when they are written. */
  flush(): Promise<void> {
    const every = batchMinutes(this.#book.size);
    const due: ClosedStep[][] = [];
    for (const step of this.#book.close(this.#now(), GRACE_MS)) {
      let queue = this.#queues.get(step.host);
      if (queue === undefined) {
        queue = { steps: [], turn: this.#turns++ };
        this.#queues.set(step.host, queue);
        // Its first minute, and no file to draw yet: made at once (one stat a host, once).
        if (!this.#store.has(step.host)) {
          due.push([step]);
          continue;
        }
      }
      queue.steps.push(step);
      if (queue.steps.length >= every || isTurn(queue.turn, step.end, every)) {
        due.push(queue.steps);
        queue.steps = [];
      }
    }
    return this.#writeAll(due);
  }

  /** Every closed minute not yet written (a clean stop). */
  flushAll(): Promise<void> {
    const due: ClosedStep[][] = [];
    for (const queue of this.#queues.values()) {
      if (queue.steps.length > 0) due.push(queue.steps);
      queue.steps = [];
    }
    return this.#writeAll(due);
  }

  /** Each host's steps, all hosts at once (one write to rrdtool, which answers each in turn). */
  #writeAll(due: ClosedStep[][]): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      await Promise.all(due.map((steps) => this.#write(steps)));
    });
    return this.#writing;
  }

  async #write(steps: ClosedStep[]): Promise<void> {
    const host = (steps[0] as ClosedStep).host;
    try {
      await this.#store.write(host, steps);
      if (this.#failing.delete(host)) {
        this.#logger.info({ host }, 'history written again');
      }
    } catch (err) {
      if (!this.#failing.has(host)) {
        this.#failing.add(host);
        this.#logger.warn(
          { host, dir: this.#store.dir, err: String((err as Error).message) },
          'cannot write history; probing goes on',
        );
      }
    }
  }

  /**
   * Stops the timer, writes the closed minutes not yet written, then ends the rrdtool child; the
   * minute in progress is not written.
   */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    await this.flushAll();
    await this.#store.close();
  }
}
