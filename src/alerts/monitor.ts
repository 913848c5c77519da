// Each host's state for people, kept across reloads: every probe result goes through the state
// machine (state.ts); a change becomes one line in the service log, the metrics, and (when
// people are to be told) a notification queued for the host's channels.
import type { Target } from '../config/targets.js';
import type { ProbeResult } from '../probing/ping-result.js';
import type { Logger } from '../telemetry/service-log.js';
import { notification } from './event.js';
import type { Notifier } from './notifier.js';
import {
  carriedHealth,
  type HealthState,
  type HostHealth,
  initialHealth,
  observe,
} from './state.js';

/** What `status` and the state file show of a host's state. */
export interface HealthSummary {
  state: HealthState;
  since: Date | undefined;
  reason: string | undefined;
  changes: number;
}

export interface MonitorParts {
  logger: Logger;
  notifier: Notifier;
  metrics?: { setState(host: string, state: HealthState, changed: boolean): void };
}

export class HealthMonitor {
  readonly #parts: MonitorParts;
  readonly #hosts = new Map<string, { target: Target; health: HostHealth }>();

  constructor(targets: Target[], parts: MonitorParts) {
    this.#parts = parts;
    this.reload(targets);
  }

  /** New thresholds and channels; a host that stays keeps its state, a new one starts unknown. */
  reload(targets: Target[]): void {
    const kept = new Set(targets.map((t) => t.host));
    for (const host of this.#hosts.keys()) if (!kept.has(host)) this.#hosts.delete(host);
    for (const target of targets) {
      const known = this.#hosts.get(target.host);
      if (known) known.target = target;
      else {
        this.#hosts.set(target.host, { target, health: initialHealth() });
        this.#parts.metrics?.setState(target.host, 'unknown', false);
      }
    }
  }

  /**
   * Carries on the states a daemon before this one left (see carriedHealth), for the hosts this
   * one still has; returns how many.
   */
  carryOver(previous: Record<string, HealthSummary>): number {
    let carried = 0;
    for (const [host, was] of Object.entries(previous)) {
      const entry = this.#hosts.get(host);
      if (!entry || was.state === 'unknown' || was.since === undefined) continue;
      entry.health = carriedHealth(was.state, was.since, was.reason, was.changes);
      this.#parts.metrics?.setState(host, was.state, false);
      carried++;
    }
    return carried;
  }

  /** Takes one probe's result; returns whether the host's state changed. */
  observe(host: string, seq: number, result: ProbeResult, time: Date): boolean {
    const entry = this.#hosts.get(host);
    if (!entry) return false;
    const { health, event } = observe(entry.health, result, entry.target.alerts, time);
    entry.health = health;
    if (!event) return false;
    const n = notification(host, event, seq);
    if (event.kind === 'change') {
      this.#parts.metrics?.setState(host, event.state, true);
      const fields = {
        host,
        state: event.state,
        previous: event.previous,
        reason: event.reason,
        seq,
        rttMs: event.rttMs,
        lossPct: event.lossPct,
      };
      const message = `${host} is ${event.state} (${event.reason})`;
      if (event.state === 'up') this.#parts.logger.info(fields, message);
      else this.#parts.logger.warn(fields, message);
    }
    if (event.notify) this.#parts.notifier.send(n, entry.target.notify);
    return event.kind === 'change';
  }

  get summary(): Record<string, HealthSummary> {
    const out: Record<string, HealthSummary> = {};
    for (const [host, { health }] of this.#hosts) {
      const { state, since, reason, changes } = health;
      out[host] = { state, since, reason, changes };
    }
    return out;
  }
}
