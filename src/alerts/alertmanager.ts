// `--alertmanager URL`: each host that is down or degraded is a firing alert in Alertmanager's v2
// API (POST /api/v2/alerts), which then does the routing, grouping, silencing and inhibition a
// fleet already runs. As Prometheus does: every push sends all the alerts the daemon holds, again
// every RESEND_MS while any fires, each firing one valid for 4 resends (so a daemon that died
// lets its alerts resolve); a host that recovers is sent resolved (endsAt now) for RESOLVED_FOR_MS.
// The alerts a feed holds are pure data; pushing them is a channel's job (notifier.ts).
import type { Notification } from './event.js';

/** How often firing alerts are sent again (Prometheus's --rules.alert.resend-delay). */
export const RESEND_MS = 60_000;
/** How long a resolved alert is still sent (Prometheus: 15 minutes). */
export const RESOLVED_FOR_MS = 15 * 60_000;

/** One alert of the v2 API's PostableAlerts. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

const ALERT_NAME = { down: 'PingHostDown', degraded: 'PingHostDegraded' } as const;
const SEVERITY = { down: 'critical', degraded: 'warning' } as const;

/** `http://am:9093` or `http://am:9093/prefix/` → the v2 alerts endpoint under it. */
export function alertsEndpoint(url: string): URL {
  const u = new URL(url);
  if (!u.pathname.endsWith('/api/v2/alerts')) {
    u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/v2/alerts`;
  }
  return u;
}

interface Held {
  alert: PostableAlert;
  /** For a resolved one: until when it is still sent. */
  until?: number;
}

export class AlertFeed {
  /** Per host: its firing alert. */
  readonly #firing = new Map<string, Held>();
  /** Resolved alerts still being sent, by host and alert name. */
  readonly #resolved = new Map<string, Held>();
  readonly #generatorURL: string | undefined;

  constructor(generatorURL?: string) {
    this.#generatorURL = generatorURL;
  }

  /** Whether anything is to be sent again at the next resend. */
  get holding(): boolean {
    return this.#firing.size > 0 || this.#resolved.size > 0;
  }

  /** Takes a notification: a host now down or degraded fires; one that left those resolves. */
  note(n: Notification, now: number): void {
    const held = this.#firing.get(n.host);
    const bad = n.state === 'down' || n.state === 'degraded' ? n.state : undefined;
    if (n.event === 'test') {
      // notify-test: an alert of its own, which resolves by itself a few minutes later.
      const alert = this.#alert(n, 'PingDaemonTest', { severity: 'none' }, now + 4 * RESEND_MS);
      this.#resolved.set(`${n.host}\0test`, { alert, until: now + 1 });
      return;
    }
    if (held && held.alert.labels.state !== bad) {
      this.#resolved.set(`${n.host}\0${held.alert.labels.alertname}`, {
        alert: { ...held.alert, endsAt: new Date(now).toISOString() },
        until: now + RESOLVED_FOR_MS,
      });
      this.#firing.delete(n.host);
    }
    if (bad) {
      const alert = this.#alert(n, ALERT_NAME[bad], { state: bad, severity: SEVERITY[bad] }, 0);
      this.#firing.set(n.host, { alert });
      this.#resolved.delete(`${n.host}\0${alert.labels.alertname}`);
    }
  }

  /** The hosts whose alerts fire. */
  get firing(): string[] {
    return [...this.#firing.keys()];
  }

  /** A host no longer watched: its alert resolves. */
  forget(host: string, now: number): void {
    const held = this.#firing.get(host);
    if (!held) return;
    this.#firing.delete(host);
    this.#resolved.set(`${host}\0${held.alert.labels.alertname}`, {
      alert: { ...held.alert, endsAt: new Date(now).toISOString() },
      until: now + RESOLVED_FOR_MS,
    });
  }

  /** Every alert to send now: the firing ones valid for 4 resends, the resolved ones as they are. */
  alerts(now: number): PostableAlert[] {
    const endsAt = new Date(now + 4 * RESEND_MS).toISOString();
    const out = [...this.#firing.values()].map(({ alert }) => ({ ...alert, endsAt }));
    for (const [key, held] of this.#resolved) {
      out.push(held.alert);
      if ((held.until ?? 0) <= now) this.#resolved.delete(key);
    }
    return out;
  }

  #alert(
    n: Notification,
    alertname: string,
    labels: Record<string, string>,
    endsAt: number,
  ): PostableAlert {
    const alert: PostableAlert = {
      labels: {
        alertname,
        host: n.host,
        ...labels,
        ...(n.vantage === undefined ? {} : { vantage: n.vantage }),
      },
      annotations: { summary: n.text, description: n.reason },
      startsAt: n.since,
      endsAt: new Date(endsAt).toISOString(),
    };
    if (this.#generatorURL !== undefined) alert.generatorURL = this.#generatorURL;
    return alert;
  }
}

/**
 * The status page's address for generatorURL, from --metrics-listen: a wildcard address is
 * replaced by this machine's name, which the people following the link can reach.
 */
export function statusPageUrl(
  listen: { host: string; port: number } | undefined,
  hostname: string,
): string | undefined {
  if (listen === undefined) return undefined;
  const wildcard = listen.host === '0.0.0.0' || listen.host === '::';
  const host = wildcard ? hostname : listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return `http://${host}:${listen.port}/`;
}
