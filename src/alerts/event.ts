// What a notification says, in the three shapes it takes: a JSON object (a hook's stdin, a
// webhook's body), PING_DAEMON_* environment variables (a hook's environment), and one sentence
// for people (the JSON's `text`, which chat webhooks show as is). Pure: the time zone is the
// process's, as in the ping log; the id is random.
import { randomUUID } from 'node:crypto';
import { formatElapsed } from '../config/duration.js';
import type { HealthEvent, HealthState } from './state.js';

export type EventKind = HealthEvent['kind'] | 'test';

/** One notification, as the JSON a hook reads on stdin and a webhook receives. */
export interface Notification {
  /** Unique to this notification, the same on every try of every channel: a receiver's key. */
  id: string;
  event: EventKind;
  host: string;
  state: HealthState;
  previous_state: HealthState;
  reason: string;
  /** ISO time the host entered `state`. */
  since: string;
  duration_s?: number;
  rtt_ms?: number;
  loss_pct?: number;
  seq: number;
  text: string;
  /** Where the daemon that saw it probes from (--vantage). */
  vantage?: string;
}

const clock = (t: Date): string =>
  [t.getHours(), t.getMinutes(), t.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');

/** `www.baidu.com is down since 12:00:03 (3 probes without reply)`. */
export function sentence(kind: EventKind, host: string, e: HealthEvent): string {
  if (kind === 'test') return `test notification from ping-daemon for ${host}`;
  const was =
    kind === 'change' && e.durationS !== undefined && e.previous !== 'unknown'
      ? `; ${e.previous} for ${formatElapsed(e.durationS * 1000)}`
      : '';
  const still = kind === 'reminder' ? 'still ' : '';
  return `${host} is ${still}${e.state} since ${clock(e.since)} (${e.reason}${was})`;
}

export function notification(
  host: string,
  e: HealthEvent,
  seq: number,
  kind: EventKind = e.kind,
): Notification {
  const n: Notification = {
    id: randomUUID(),
    event: kind,
    host,
    state: e.state,
    previous_state: e.previous,
    reason: e.reason,
    since: e.since.toISOString(),
    seq,
    text: sentence(kind, host, e),
  };
  if (e.durationS !== undefined) n.duration_s = e.durationS;
  if (e.rttMs !== undefined) n.rtt_ms = e.rttMs;
  if (e.lossPct !== undefined) n.loss_pct = e.lossPct;
  return n;
}

/**
 * The variables a hook is given that are not options (PING_DAEMON_HOST is also --host's): a hook
 * that runs ping-daemon itself must not have them refused as unknown options.
 */
export const HOOK_ONLY_VARIABLES = new Set(
  ['ID', 'EVENT', 'STATE', 'PREVIOUS_STATE', 'REASON', 'SINCE', 'SEQ', 'TEXT']
    .concat(['DURATION_S', 'RTT_MS', 'LOSS_PCT', 'PID'])
    .map((k) => `PING_DAEMON_${k}`),
);

/** The hook's environment variables for a notification; unknown figures are absent. */
export function notificationEnv(n: Notification): Record<string, string> {
  const env: Record<string, string> = {
    PING_DAEMON_ID: n.id,
    PING_DAEMON_EVENT: n.event,
    PING_DAEMON_HOST: n.host,
    PING_DAEMON_STATE: n.state,
    PING_DAEMON_PREVIOUS_STATE: n.previous_state,
    PING_DAEMON_REASON: n.reason,
    PING_DAEMON_SINCE: n.since,
    PING_DAEMON_SEQ: String(n.seq),
    PING_DAEMON_TEXT: n.text,
  };
  if (n.duration_s !== undefined) env.PING_DAEMON_DURATION_S = String(n.duration_s);
  if (n.rtt_ms !== undefined) env.PING_DAEMON_RTT_MS = String(n.rtt_ms);
  if (n.loss_pct !== undefined) env.PING_DAEMON_LOSS_PCT = String(n.loss_pct);
  // Also --vantage's variable: a hook that runs ping-daemon speaks for the same vantage.
  if (n.vantage !== undefined) env.PING_DAEMON_VANTAGE = n.vantage;
  return env;
}
