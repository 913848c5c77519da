// Publishes the daemon's state file at most once a second, however short the interval: every
// probe asks for it, a timer coalesces the asks. Owns that timer; stop() clears it.
import { performance } from 'node:perf_hooks';
import { describeErrno } from '../errors.js';
import type { Logger } from '../telemetry/service-log.js';
import { type DaemonState, writeState } from './state-file.js';

export const PUBLISH_EVERY_MS = 1000;

export class StatePublisher {
  readonly #path: string;
  readonly #snapshot: () => DaemonState;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #publishedAt = Number.NEGATIVE_INFINITY;
  /** The last failure reported: a failing write is told once, not every second. */
  #failure: string | undefined;

  constructor(path: string, snapshot: () => DaemonState, logger: Logger) {
    this.#path = path;
    this.#snapshot = snapshot;
    this.#logger = logger;
  }

  /** Publishes within a second. */
  soon(): void {
    const wait = Math.max(0, this.#publishedAt + PUBLISH_EVERY_MS - performance.now());
    this.#timer ??= setTimeout(() => this.now(), wait);
  }

  /** Publishes at once (start, reload). */
  now(): void {
    this.stop();
    this.#publishedAt = performance.now();
    try {
      writeState(this.#path, this.#snapshot());
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
  }
}
