// One channel (a hook program, a webhook URL, an Alertmanager): its own bounded queue and its own
// workers. A host's jobs go out in order, one at a time; jobs of different hosts run side by side,
// up to `concurrency` at once (one slow hook does not make 100 hosts' changes wait in line). A
// channel that hangs, floods or fails holds up only its own queue: never another channel, never
// a tick. A full queue drops its oldest job.

import type { Delivery } from './hook.js';

export type ChannelKind = 'exec' | 'webhook' | 'alertmanager';

/** How one job ended, for the metrics: delivered, failed, or never tried. */
export type Outcome = 'ok' | 'failed' | 'dropped' | 'abandoned';

export interface Job {
  /** Whose event it is (a host), for the log. */
  host: string;
  /** Delivers; `signal` aborts when the daemon can wait no longer. */
  run(signal: AbortSignal): Promise<Delivery>;
  /**
   * A job that sends a state, not an event (Alertmanager's alerts): a second takes the place of
   * one already waiting, since either sends the state as it is when it runs.
   */
  coalesces?: boolean;
}

/** What `status` and the state file show of a channel. */
export interface ChannelReport {
  name: string;
  kind: ChannelKind;
  queued: number;
  delivered: number;
  failed: number;
  dropped: number;
  last?: { ok: boolean; detail: string; at: string };
}

export interface ChannelParts {
  /** Jobs that may wait; the oldest is dropped for a new one past it. */
  capacity: number;
  /** Jobs (of different hosts) that may run at once. */
  concurrency: number;
  /** Told of every job's end, its outcome and (when run) how long it took. */
  ended(job: Job, outcome: Outcome, delivery: Delivery | undefined, seconds: number): void;
  /** Told once per overflow: the first drop since the queue last emptied. */
  overflowing(): void;
  /** The queue's length, each time it changes. */
  depth?(queued: number): void;
  now(): number;
}

export class Channel {
  readonly #queue: Job[] = [];
  /** The hosts whose jobs run now. */
  readonly #running = new Set<string>();
  #closed = false;
  #overflowing = false;
  readonly #abort = new AbortController();
  readonly #idle: (() => void)[] = [];
  readonly #report: ChannelReport;
  readonly #parts: ChannelParts;

  constructor(name: string, kind: ChannelKind, parts: ChannelParts) {
    this.#parts = parts;
    this.#report = { name, kind, queued: 0, delivered: 0, failed: 0, dropped: 0 };
  }

  get kind(): ChannelKind {
    return this.#report.kind;
  }

  get report(): ChannelReport {
    return { ...this.#report, queued: this.#queue.length };
  }

  /** Queues `job` (dropping the oldest waiting one when full); never waits, never throws. */
  push(job: Job): void {
    if (this.#closed) {
      this.#parts.ended(job, 'abandoned', undefined, 0);
      return;
    }
    const waiting = job.coalesces ? this.#queue.findIndex((j) => j.coalesces) : -1;
    if (waiting >= 0) {
      // The newer stands for both (it sends the state as it is when it runs), and is told.
      this.#queue[waiting] = job;
      return;
    }
    if (this.#queue.length >= this.#parts.capacity) {
      const oldest = this.#queue.shift() as Job;
      this.#report.dropped++;
      this.#parts.ended(oldest, 'dropped', undefined, 0);
      if (!this.#overflowing) {
        this.#overflowing = true;
        this.#parts.overflowing();
      }
    }
    this.#queue.push(job);
    this.#parts.depth?.(this.#queue.length);
    this.#pump();
  }

  /**
   * No job starts from now on (the daemon stops). What waits is abandoned, unless `keepQueued`:
   * a post may still go out during the drain, a hook program may not start.
   */
  close(keepQueued: boolean): void {
    this.#closed = true;
    if (!keepQueued) {
      for (const job of this.#queue.splice(0)) this.#parts.ended(job, 'abandoned', undefined, 0);
    }
    this.#parts.depth?.(this.#queue.length);
    this.#settle();
  }

  /** Ends the job under way now (kills its hook, aborts its post) and abandons the rest. */
  abort(): void {
    this.close(false);
    this.#abort.abort();
  }

  /** Resolves once nothing runs and nothing waits. */
  idle(): Promise<void> {
    if (this.#running.size === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Starts what may start: the oldest waiting job of each host not already served. */
  #pump(): void {
    while (this.#running.size < this.#parts.concurrency) {
      const next = this.#queue.findIndex((j) => !this.#running.has(j.host));
      if (next < 0) break;
      const [job] = this.#queue.splice(next, 1) as [Job];
      this.#parts.depth?.(this.#queue.length);
      if (this.#queue.length === 0) this.#overflowing = false;
      this.#running.add(job.host);
      void this.#run(job);
    }
    this.#settle();
  }

  async #run(job: Job): Promise<void> {
    const started = this.#parts.now();
    let delivery: Delivery;
    try {
      delivery = await job.run(this.#abort.signal);
    } catch (err) {
      // A job reports its failures as a Delivery; this is a bug, kept from the daemon.
      delivery = { ok: false, detail: `failed: ${(err as Error).message}` };
    }
    this.#running.delete(job.host);
    const seconds = (this.#parts.now() - started) / 1000;
    if (delivery.ok) this.#report.delivered++;
    else this.#report.failed++;
    this.#report.last = { ok: delivery.ok, detail: delivery.detail, at: new Date().toISOString() };
    this.#parts.ended(job, delivery.ok ? 'ok' : 'failed', delivery, seconds);
    this.#pump();
  }

  #settle(): void {
    if (this.#running.size > 0 || this.#queue.length > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
