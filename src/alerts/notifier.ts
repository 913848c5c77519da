// Delivering notifications without ever holding up the schedule: send() only queues. Each channel
// (each --on-change program, each --webhook URL, each --alertmanager URL) has its own queue and
// workers (channel.ts), so a channel that hangs delays no other; within a channel, a host's
// events go out in order, one at a time. Every outcome is one line in the service log and a count
// in the metrics, under the channel's short name, never its URL (a secret).
import { createHash } from 'node:crypto';
import { redactUrl } from '../config/option-checks.js';
import type { Channels, Target } from '../config/targets.js';
import { settleWithin } from '../settle.js';
import type { Logger } from '../telemetry/service-log.js';
import { AlertFeed, alertsEndpoint, type PostableAlert, RESEND_MS } from './alertmanager.js';
import {
  Channel,
  type ChannelKind,
  type ChannelReport,
  type Job,
  type Outcome,
} from './channel.js';
import type { Notification } from './event.js';
import { type Delivery, killLeftovers, type RunAs, runHook } from './hook.js';
import { BACKOFF_MS, postJson, type RetryTiming, withRetries } from './http-post.js';
import { postWebhook } from './webhook.js';

/** Notifications that may wait per channel; past it the oldest is dropped. */
export const CHANNEL_CAPACITY = 100;
/**
 * Deliveries that run at once per channel, each for another host, so that 100 hosts changing
 * together do not wait for each other one by one. Hooks are fewer: Node forks a hook from the
 * daemon's own thread, some 2 ms each, and ticks wait meanwhile (bench/ALERTS.md: with 100
 * changes at once, 8 hooks at a time made ticks 176 ms late at p99, 2 at a time 41 ms).
 */
export const AT_ONCE: Record<ChannelKind, number> = { exec: 2, webhook: 8, alertmanager: 1 };

export interface ChannelOutcome {
  channel: ChannelKind;
  /** The program, or the URL's origin. */
  target: string;
  delivery: Delivery;
}

export interface NotifierParts {
  logger: Logger;
  /** Told of every job's end (the metrics): the channel's name, the outcome, its duration. */
  onOutcome?(channel: string, outcome: Outcome, seconds: number): void;
  /** Told of each channel's queue length when it changes (the metrics). */
  onDepth?(channel: string, depth: number): void;
  runHook?: typeof runHook;
  postWebhook?: typeof postWebhook;
  /** Whom hooks run as, when not as this process (notify-test --user). */
  runAs?: RunAs;
  /** The status page, for Alertmanager's generatorURL. */
  generatorURL?: string;
  /** Where the daemon probes from (--vantage): in every notification, a label of every alert. */
  vantage?: string;
  /** The pauses between webhook and Alertmanager tries (tests shorten them). */
  backoffMs?: number[];
  resendMs?: number;
  now?: () => number;
}

/** A short, stable tag of a secret: who sees it learns nothing of the secret. */
const tag = (secret: string): string =>
  createHash('sha256').update(secret).digest('hex').slice(0, 6);

/** A channel's short name: `exec:/usr/local/bin/page`, `webhook:hooks.example#1a2b3c`. */
export function channelName(kind: ChannelKind, target: string[] | string): string {
  if (typeof target !== 'string') {
    const [program, ...args] = target;
    return args.length === 0 ? `exec:${program}` : `exec:${program}#${tag(target.join('\0'))}`;
  }
  return `${kind}:${new URL(target).host}#${tag(target)}`;
}

/** What a job tells the log: `change of h via /hook`. */
interface Told extends Job {
  /** The service log's fields of the event. */
  fields: object;
  what: string;
  target: string;
  /** A resend that went well is not worth a line every minute. */
  quietWhenOk?: boolean;
}

export class Notifier {
  readonly #parts: NotifierParts;
  readonly #channels = new Map<string, Channel>();
  readonly #feeds = new Map<string, AlertFeed>();
  /** Per Alertmanager: the try bound of the hosts that feed it (--hook-timeout). */
  readonly #tryMs = new Map<string, number>();
  #resend: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(parts: NotifierParts) {
    this.#parts = parts;
  }

  /** Queues `n` on each of `channels`. Returns at once; never throws. */
  send(n: Notification, channels: Channels): void {
    for (const [kind, target, job] of this.#jobs(this.#from(n), channels)) {
      if (this.#closed) {
        this.#ended(channelName(kind, target), job, 'abandoned', undefined, 0);
        continue;
      }
      this.#channel(kind, target).push(job);
    }
  }

  /** Delivers `n` to each of `channels` now, all at once (notify-test); resolves with each outcome. */
  async deliver(n: Notification, channels: Channels): Promise<ChannelOutcome[]> {
    const signal = new AbortController().signal;
    return Promise.all(
      this.#jobs(this.#from(n), channels, true).map(async ([kind, target, job]) => {
        const delivery = await job.run(signal);
        this.#ended(channelName(kind, target), job, delivery.ok ? 'ok' : 'failed', delivery, 0);
        return { channel: kind, target: job.target, delivery };
      }),
    );
  }

  /**
   * After a reload: a host no longer sent to an Alertmanager (removed, or its channels changed)
   * has its alert there resolved, at once rather than when it would expire.
   */
  reload(targets: Target[]): void {
    const now = this.#now();
    for (const [url, feed] of this.#feeds) {
      const kept = new Set(
        targets.filter((t) => t.notify.alertmanagers.includes(url)).map((t) => t.host),
      );
      const gone = feed.firing.filter((host) => !kept.has(host));
      for (const host of gone) feed.forget(host, now);
      if (gone.length > 0 && !this.#closed) {
        this.#channel('alertmanager', url).push(this.#push(url, feed));
      }
    }
  }

  /** Each channel's counts and last outcome, for `status`. */
  get report(): ChannelReport[] {
    return [...this.#channels.values()].map((c) => c.report);
  }

  /**
   * The stop begins: from now on no hook starts (what waits for one is abandoned), and nothing
   * new is queued; posts already queued may still go out during the drain.
   */
  close(): void {
    this.#closed = true;
    clearInterval(this.#resend);
    for (const channel of this.#channels.values()) channel.close(channel.kind !== 'exec');
  }

  /**
   * Waits up to `ms` for the deliveries under way; then kills the hooks still running with their
   * process groups and abandons the posts; then ends what hooks left outside their groups.
   */
  async drain(ms: number): Promise<void> {
    this.close();
    const all = (): Promise<unknown> =>
      Promise.all([...this.#channels.values()].map((c) => c.idle()));
    if (!(await settleWithin(all(), ms))) {
      for (const channel of this.#channels.values()) channel.abort();
      // Killed hooks and aborted posts settle at once; let them be told.
      await settleWithin(all(), 1000);
    }
    const left = killLeftovers();
    if (left > 0) {
      this.#parts.logger.warn(
        { killed: left },
        `killed ${left} processes that hooks had left running outside their process groups`,
      );
    }
  }

  #channel(kind: ChannelKind, target: string[] | string): Channel {
    const name = channelName(kind, target);
    let channel = this.#channels.get(name);
    if (!channel) {
      const { logger, onDepth } = this.#parts;
      channel = new Channel(name, kind, {
        capacity: CHANNEL_CAPACITY,
        concurrency: AT_ONCE[kind],
        now: this.#now,
        ended: (job, outcome, delivery, seconds) =>
          this.#ended(name, job as Told, outcome, delivery, seconds),
        overflowing: () =>
          logger.warn(
            { channel: name },
            `channel ${name}: ${CHANNEL_CAPACITY} notifications wait already; dropping the oldest (status counts them)`,
          ),
        depth: onDepth && ((depth) => onDepth(name, depth)),
      });
      this.#channels.set(name, channel);
    }
    return channel;
  }

  #now = (): number => (this.#parts.now ?? Date.now)();

  /** `n` with the vantage it was seen from, when the daemon has one. */
  #from(n: Notification): Notification {
    const { vantage } = this.#parts;
    return vantage === undefined ? n : { ...n, vantage };
  }

  get #backoff(): number[] {
    return this.#parts.backoffMs ?? BACKOFF_MS;
  }

  /** The jobs that deliver `n` to `channels`, each with its channel. */
  #jobs(
    n: Notification,
    channels: Channels,
    once = false,
  ): [ChannelKind, string[] | string, Told][] {
    const jobs: [ChannelKind, string[] | string, Told][] = [];
    const what = `${n.event} of ${n.host}`;
    const fields = { host: n.host, event: n.event, state: n.state };
    const timing = { tryMs: channels.hookTimeoutMs, backoffMs: this.#backoff };
    const { onChange } = channels;
    if (onChange !== undefined) {
      jobs.push([
        'exec',
        onChange,
        {
          host: n.host,
          fields,
          what,
          target: onChange[0] as string,
          run: (signal) => {
            const hook = (this.#parts.runHook ?? runHook)(
              onChange,
              n,
              channels.hookTimeoutMs,
              this.#parts.runAs,
            );
            const kill = (): void => hook.kill();
            signal.addEventListener('abort', kill, { once: true });
            return hook.done.finally(() => signal.removeEventListener('abort', kill));
          },
        },
      ]);
    }
    for (const url of channels.webhooks) {
      const post = this.#parts.postWebhook ?? postWebhook;
      jobs.push([
        'webhook',
        url,
        {
          host: n.host,
          fields,
          what,
          target: redactUrl(url),
          run: (signal) => post(url, n, signal, timing),
        },
      ]);
    }
    for (const url of channels.alertmanagers ?? []) {
      const feed = once ? new AlertFeed(this.#parts.generatorURL) : this.#feed(url);
      feed.note(n, this.#now());
      this.#tryMs.set(url, timing.tryMs);
      jobs.push([
        'alertmanager',
        url,
        { ...this.#push(url, feed), fields, what, quietWhenOk: false },
      ]);
    }
    return jobs;
  }

  #feed(url: string): AlertFeed {
    let feed = this.#feeds.get(url);
    if (!feed) {
      feed = new AlertFeed(this.#parts.generatorURL);
      this.#feeds.set(url, feed);
    }
    if (this.#resend === undefined && !this.#closed) {
      this.#resend = setInterval(() => this.#resendAll(), this.#parts.resendMs ?? RESEND_MS);
      // The daemon lives by its schedule; a notify-test must not live by this.
      this.#resend.unref();
    }
    return feed;
  }

  /** A job that posts every alert `feed` holds, as it stands when the job runs. */
  #push(url: string, feed: AlertFeed): Told {
    const endpoint = alertsEndpoint(url);
    const timing: RetryTiming = { tryMs: this.#tryMs.get(url) ?? 10_000, backoffMs: this.#backoff };
    return {
      // One key for every post: they go one at a time, so an older state never lands last.
      host: '',
      fields: {},
      what: 'the alerts',
      target: redactUrl(url),
      coalesces: true,
      quietWhenOk: true,
      run: (signal) => {
        const alerts: PostableAlert[] = feed.alerts(this.#now());
        const body = JSON.stringify(alerts);
        return withRetries((tryMs) => postJson(endpoint, body, {}, tryMs, signal), signal, timing);
      },
    };
  }

  #resendAll(): void {
    if (this.#closed) return;
    for (const [url, feed] of this.#feeds) {
      if (!feed.holding) continue;
      this.#channel('alertmanager', url).push(this.#push(url, feed));
    }
  }

  #ended(
    name: string,
    job: Told,
    outcome: Outcome,
    delivery: Delivery | undefined,
    seconds: number,
  ): void {
    this.#parts.onOutcome?.(name, outcome, seconds);
    const { logger } = this.#parts;
    const fields = { ...job.fields, channel: name };
    const via = `${job.what} via ${job.target}`;
    if (outcome === 'abandoned') {
      logger.warn(fields, `notification not delivered: ${via}: the daemon is stopping`);
    } else if (delivery?.ok) {
      if (!job.quietWhenOk) logger.info(fields, `notified: ${via}: ${delivery.detail}`);
    } else if (delivery) {
      logger.warn(fields, `notification failed: ${via}: ${delivery.detail}`);
    }
  }
}
