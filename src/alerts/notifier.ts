// Delivering notifications without ever holding up the schedule: send() only queues. Per host,
// events go out in order, one at a time; hosts do not wait for each other, except that at most
// MAX_DELIVERIES hooks and webhook posts run at once, all hosts together (100 hosts changing at
// once do not start 100 programs at once). Every outcome is one line in the service log.

import { redactUrl } from '../config/option-checks.js';
import type { Channels } from '../config/targets.js';
import type { Logger } from '../telemetry/service-log.js';
import type { Notification } from './event.js';
import { type Delivery, type RunningHook, runHook } from './hook.js';
import { BACKOFF_MS, postWebhook } from './webhook.js';

export type ChannelName = 'exec' | 'webhook';

/** How many deliveries run at once, all hosts together. */
export const MAX_DELIVERIES = 16;
/** Events waiting per host beyond which new ones are dropped (a hook slower than the changes). */
export const MAX_QUEUED = 50;

export interface ChannelOutcome {
  channel: ChannelName;
  /** The program, or the webhook's origin. */
  target: string;
  delivery: Delivery;
}

export interface NotifierParts {
  logger: Logger;
  /** Told of every outcome (the metrics). */
  onOutcome?(channel: ChannelName, ok: boolean): void;
  runHook?: typeof runHook;
  postWebhook?: typeof postWebhook;
}

export class Notifier {
  readonly #parts: NotifierParts;
  /** Per host: the end of its chain of deliveries, and how many wait on it. */
  readonly #queues = new Map<string, { tail: Promise<void>; waiting: number }>();
  #running = 0;
  readonly #slots: (() => void)[] = [];
  readonly #hooks = new Set<RunningHook>();
  readonly #abort = new AbortController();

  constructor(parts: NotifierParts) {
    this.#parts = parts;
  }

  /** Queues `n` behind its host's earlier notifications. Returns at once; never throws. */
  send(n: Notification, channels: Channels): void {
    if (channels.onChange === undefined && channels.webhooks.length === 0) return;
    const queue = this.#queues.get(n.host) ?? { tail: Promise.resolve(), waiting: 0 };
    if (queue.waiting >= MAX_QUEUED) {
      this.#parts.logger.warn(
        { host: n.host, event: n.event, state: n.state },
        `notification dropped: ${MAX_QUEUED} are already waiting for ${n.host}'s channels`,
      );
      return;
    }
    queue.waiting++;
    queue.tail = queue.tail.then(async () => {
      await this.deliver(n, channels);
      queue.waiting--;
      if (queue.waiting === 0 && this.#queues.get(n.host) === queue) this.#queues.delete(n.host);
    });
    this.#queues.set(n.host, queue);
  }

  /** Delivers `n` to each of `channels` now; resolves with each outcome, also logged. */
  async deliver(n: Notification, channels: Channels): Promise<ChannelOutcome[]> {
    const jobs: Promise<ChannelOutcome>[] = [];
    const { onChange } = channels;
    if (onChange !== undefined) {
      jobs.push(
        this.#slot(async () => {
          const hook = (this.#parts.runHook ?? runHook)(onChange, n, channels.hookTimeoutMs);
          this.#hooks.add(hook);
          const delivery = await hook.done;
          this.#hooks.delete(hook);
          return { channel: 'exec', target: onChange[0] as string, delivery };
        }),
      );
    }
    for (const url of channels.webhooks) {
      jobs.push(
        this.#slot(async () => {
          const post = this.#parts.postWebhook ?? postWebhook;
          const timing = { tryMs: channels.hookTimeoutMs, backoffMs: BACKOFF_MS };
          const delivery = await post(url, n, this.#abort.signal, timing);
          return { channel: 'webhook', target: redactUrl(url), delivery };
        }),
      );
    }
    const outcomes = await Promise.all(jobs);
    for (const { channel, target, delivery } of outcomes) {
      this.#parts.onOutcome?.(channel, delivery.ok);
      const fields = { host: n.host, event: n.event, state: n.state, channel, target };
      const what = `${n.event} of ${n.host} via ${target}`;
      if (delivery.ok) this.#parts.logger.info(fields, `notified: ${what}: ${delivery.detail}`);
      else this.#parts.logger.warn(fields, `notification failed: ${what}: ${delivery.detail}`);
    }
    return outcomes;
  }

  /**
   * Waits up to `ms` for what is queued; then kills the hooks still running and abandons the
   * posts (each is told as failed). For a stop, which must not wait for ever.
   */
  async drain(ms: number): Promise<void> {
    const all = Promise.all([...this.#queues.values()].map((q) => q.tail));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), ms);
    });
    const outcome = await Promise.race([all, late]);
    clearTimeout(timer);
    if (outcome !== 'late') return;
    this.#abort.abort();
    for (const hook of this.#hooks) hook.kill();
    // Killed hooks and aborted posts settle at once; let them be told.
    await Promise.race([all, new Promise((r) => setTimeout(r, 1000))]);
  }

  /** Runs `job` when fewer than MAX_DELIVERIES run; a finished job hands its slot on. */
  async #slot<T>(job: () => Promise<T>): Promise<T> {
    if (this.#running >= MAX_DELIVERIES) await new Promise<void>((r) => this.#slots.push(r));
    else this.#running++;
    try {
      return await job();
    } finally {
      const next = this.#slots.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
