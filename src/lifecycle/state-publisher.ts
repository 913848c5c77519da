// Publishes the daemon's state file at most once a second, however short the interval: every
// probe asks for it, a timer coalesces the asks. A state file of a thousand hosts takes a few
// milliseconds to write: it is then written less often, so that it never takes more than 0.1 %
// of a core. Owns that timer; stop() clears it.
import { performance } from 'node:perf_hooks';
import { describeErrno } from '../errors.js';
import type { Logger } from '../telemetry/service-log.js';
import { type DaemonState, writeState } from './state-file.js';

export const PUBLISH_EVERY_MS = 1000;
/** The time between two writes is at least this many times what the last one took. */
const COST_FACTOR = 1000;
/** A change of state is published within this: changes that come together are written once. */
export const PROMPTLY_MS = 100;

export class StatePublisher {
  readonly #path: string;
  readonly #snapshot: () => DaemonState;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  /** When the pending timer fires (performance.now()). */
  #dueAt = Number.POSITIVE_INFINITY;
  #publishedAt = Number.NEGATIVE_INFINITY;
  #everyMs = PUBLISH_EVERY_MS;
  /** The last failure reported: a failing write is told once, not every second. */
  #failure: string | undefined;

  constructor(path: string, snapshot: () => DaemonState, logger: Logger) {
    this.#path = path;
    this.#snapshot = snapshot;
    this.#logger = logger;
  }

  /** Publishes within a second. */
  soon(): void {
    this.#within(Math.max(0, this.#publishedAt + this.#everyMs - performance.now()));
  }

  /** Publishes within PROMPTLY_MS (a host changed state). */
  promptly(): void {
    this.#within(PROMPTLY_MS);
  }

  #within(ms: number): void {
    const at = performance.now() + ms;
    if (this.#timer !== undefined && this.#dueAt <= at) return;
    clearTimeout(this.#timer);
    this.#dueAt = at;
    this.#timer = setTimeout(() => this.now(), ms);
  }

  /** Publishes at once (start, reload). */
  now(): void {
    this.stop();
    this.#publishedAt = performance.now();
    try {
      writeState(this.#path, this.#snapshot());
      const tookMs = performance.now() - this.#publishedAt;
      this.#everyMs = Math.max(PUBLISH_EVERY_MS, Math.round(tookMs * COST_FACTOR));
      if (this.#failure !== undefined)
        this.#logger.info({ path: this.#path }, 'state file written again');
      this.#failure = undefined;
    } catch (err) {
      const reason = describeErrno(err);
      if (reason !== this.#failure) {
        this.#logger.warn({ path: this.#path, reason }, `cannot write the state file: ${reason}`);
      }
      this.#failure = reason;
    }
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dueAt = Number.POSITIVE_INFINITY;
  }
}
