// The daemon's side of history: every result goes into its host's minute (MinuteBook); a timer
// at each minute's end (and a grace for late results) writes the closed minutes through the
// store, every host's at once (one write to rrdtool, which answers each in turn), after the
// previous minute's writes are done. A write that fails is logged once per host and the daemon
// goes on: history is a record, never a reason to stop probing. A kill -9 loses the minute in
// progress.
import type { Logger } from '../telemetry/service-log.js';
import { type ClosedStep, MinuteBook } from './minutes.js';
import type { HistoryStore } from './store.js';

/** How long after a minute's end its late results are still awaited. */
export const GRACE_MS = 5000;

export class HistoryRecorder {
  readonly #book = new MinuteBook();
  readonly #store: HistoryStore;
  readonly #logger: Logger;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  readonly #failing = new Set<string>();

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

  retire(host: string): void {
    this.#book.retire(host);
  }

  get store(): HistoryStore {
    return this.#store;
  }

  /** Writes the minutes that have ended; resolves when they are written. */
  flush(): Promise<void> {
    const steps = this.#book.close(this.#now(), GRACE_MS);
    // All of them at once: rrdtool takes them in one write and answers in turn, instead of one
    // round trip (two wake-ups of each side) per host.
    this.#writing = this.#writing.then(async () => {
      await Promise.all(steps.map((step) => this.#write(step)));
    });
    return this.#writing;
  }

  async #write(step: ClosedStep): Promise<void> {
    try {
      await this.#store.write(step.host, [step]);
      if (this.#failing.delete(step.host)) {
        this.#logger.info({ host: step.host }, 'history written again');
      }
    } catch (err) {
      if (!this.#failing.has(step.host)) {
        this.#failing.add(step.host);
        this.#logger.warn(
          { host: step.host, dir: this.#store.dir, err: String((err as Error).message) },
          'cannot write history; probing goes on',
        );
      }
    }
  }

  /** Stops the timer and the rrdtool child; the minute in progress is not written. */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    await this.#writing;
    await this.#store.close();
  }
}
