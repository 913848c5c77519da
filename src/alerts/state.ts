// A host's state for people: `up`, `degraded` or `down` (`unknown` until the first decision),
// moved by probe results with hysteresis, so that one lost packet pages nobody and a flapping
// host does not page at every probe (docs/alerts.md). No I/O: the state, one probe's result, the
// rules and the time decide; the caller keeps the state, which `observe` updates in place.
import { formatMs } from '../graphs/units.js';
import { type ProbeResult, round3 } from '../probing/ping-result.js';
import { selectMedian } from '../probing/recent.js';

export type HealthState = 'unknown' | 'up' | 'degraded' | 'down';

export interface AlertRules {
  /** Consecutive failed probes (status down or error) that make a host `down`. */
  downAfter: number;
  /** Consecutive probes with a reply that bring it back. */
  upAfter: number;
  /** How many of the last probes `degraded` is judged over. */
  window: number;
  /** `degraded` when the median RTT over the window is at least this; `undefined`: never. */
  degradedRttMs: number | undefined;
  /** `degraded` when the loss over the window is at least this percentage; `undefined`: never. */
  degradedLossPct: number | undefined;
  /** While `down` or `degraded`, notify again this often; `undefined`: never. */
  remindEveryMs: number | undefined;
}

/** One probe, as the window keeps it. */
interface Sample {
  reply: boolean;
  rttMs: number | undefined;
  lossPct: number;
}

export interface HostHealth {
  state: HealthState;
  /** When the host entered its state (`undefined` while `unknown`). */
  since: Date | undefined;
  /** Why it is in its state, in words. */
  reason: string | undefined;
  /** The current run of failed probes, or of probes with a reply (one is always 0). */
  failures: number;
  successes: number;
  /** The error of every failure of the current run, when they all had one and the same. */
  failureError: string | undefined;
  window: Sample[];
  /** When people were last told about this host (a change or a reminder). */
  notifiedAt: Date | undefined;
  changes: number;
}

/** What a probe changed, for the service log and the notifications. */
export interface HealthEvent {
  kind: 'change' | 'reminder';
  state: HealthState;
  previous: HealthState;
  reason: string;
  /** When the host entered `state`. */
  since: Date;
  /** How long it was in `previous` (a change) or has been in `state` (a reminder), seconds. */
  durationS: number | undefined;
  /** Over the window; absent when unknown. */
  rttMs: number | undefined;
  lossPct: number | undefined;
  /** Whether people are told (the first decision after start is told only when it is not up). */
  notify: boolean;
}

/**
 * A host's state as the daemon before this one left it (it did not stop cleanly: killed, out of
 * memory): its state goes on, so that a host down before is not announced down again. The runs
 * and the window start anew; people were last told when it entered its state.
 */
export function carriedHealth(
  state: HealthState,
  since: Date | undefined,
  reason: string | undefined,
  changes: number,
): HostHealth {
  const told = state === 'down' || state === 'degraded';
  return {
    ...initialHealth(),
    state,
    since,
    reason,
    changes,
    notifiedAt: told ? since : undefined,
  };
}

export function initialHealth(): HostHealth {
  return {
    state: 'unknown',
    since: undefined,
    reason: undefined,
    failures: 0,
    successes: 0,
    failureError: undefined,
    window: [],
    notifiedAt: undefined,
    changes: 0,
  };
}

/** The RTTs of a window, for its median: one array for all, since this runs at every probe. */
let scratch = new Float64Array(64);

/** Loss and median RTT over the window. Pure. */
export function windowFigures(window: readonly Sample[]): {
  lossPct: number | undefined;
  medianRttMs: number | undefined;
} {
  if (window.length === 0) return { lossPct: undefined, medianRttMs: undefined };
  if (scratch.length < window.length) scratch = new Float64Array(window.length);
  let loss = 0;
  let n = 0;
  for (const s of window) {
    loss += s.lossPct;
    if (s.rttMs !== undefined) scratch[n++] = s.rttMs;
  }
  const median = selectMedian(scratch.subarray(0, n));
  return {
    lossPct: round3(loss / window.length),
    medianRttMs: median === undefined ? undefined : round3(median),
  };
}

const probes = (n: number): string => `${n} probe${n === 1 ? '' : 's'}`;

/** What people read for an error: the resolver's timeout is a failed name resolution. */
function errorWords(error: string): string {
  return error === 'timeout (name resolution)' ? 'name resolution failed' : error;
}

/** The window's figures an event carries: worked out for events only (a median per probe costs). */
function eventFigures(window: readonly Sample[]): Pick<HealthEvent, 'rttMs' | 'lossPct'> {
  const { lossPct, medianRttMs } = windowFigures(window);
  return { rttMs: medianRttMs, lossPct };
}

/** Why the window makes the host degraded, or `undefined` when it does not. */
function degradedReason(rules: AlertRules, window: readonly Sample[]): string | undefined {
  if (rules.degradedLossPct === undefined && rules.degradedRttMs === undefined) return undefined;
  const { lossPct, medianRttMs } = windowFigures(window);
  const over = `over the last ${probes(window.length)}`;
  if (rules.degradedLossPct !== undefined && lossPct !== undefined) {
    if (lossPct >= rules.degradedLossPct) {
      return `loss ${lossPct}% >= ${rules.degradedLossPct}% ${over}`;
    }
  }
  if (rules.degradedRttMs !== undefined && medianRttMs !== undefined) {
    if (medianRttMs >= rules.degradedRttMs) {
      return `median rtt ${formatMs(medianRttMs)} >= ${formatMs(rules.degradedRttMs)} ${over}`;
    }
  }
  return undefined;
}

/** Why a degraded host is up again: every threshold set is met. */
function recoveredReason(rules: AlertRules, window: readonly Sample[]): string {
  const { lossPct, medianRttMs } = windowFigures(window);
  const parts: string[] = [];
  if (rules.degradedRttMs !== undefined && medianRttMs !== undefined) {
    parts.push(`median rtt ${formatMs(medianRttMs)} < ${formatMs(rules.degradedRttMs)}`);
  }
  if (rules.degradedLossPct !== undefined && lossPct !== undefined) {
    parts.push(`loss ${lossPct}% < ${rules.degradedLossPct}%`);
  }
  return `${parts.join(' and ')} over the last ${probes(window.length)}`;
}

/**
 * The host's health after one more probe, and what changed, if anything. The rules:
 * `down` after `downAfter` failures in a row; out of `down` (or `unknown`) after `upAfter`
 * replies in a row, into `up` with a fresh window (the outage is not held against the recovered
 * host); `degraded` while a full window breaks a threshold, back to `up` when it no longer does.
 *
 * `health` is updated in place and returned: this runs for every probe of every host, and a
 * copy of the health and its window a probe, each kept until the host's next probe, was most of
 * what the garbage collector had to move at 1,000 hosts (docs/performance.md). The sample that
 * leaves a full window is reused for the one that enters it.
 */
export function observe(
  health: HostHealth,
  result: ProbeResult,
  rules: AlertRules,
  time: Date,
): { health: HostHealth; event: HealthEvent | undefined } {
  const reply = result.status === 'up';
  const h = health;
  const { window } = h;
  const rttMs = reply ? result.rttMs : undefined;
  const lossPct = result.lossPct ?? (reply ? 0 : 100);
  let sample: Sample | undefined;
  while (window.length >= rules.window) sample = window.shift();
  if (sample === undefined) sample = { reply, rttMs, lossPct };
  else {
    sample.reply = reply;
    sample.rttMs = rttMs;
    sample.lossPct = lossPct;
  }
  window.push(sample);
  if (reply) {
    h.successes++;
    h.failures = 0;
    h.failureError = undefined;
  } else {
    h.failureError =
      result.status === 'error' && (h.failures === 0 || h.failureError === result.error)
        ? result.error
        : undefined;
    h.failures++;
    h.successes = 0;
  }

  let next: HealthState = h.state;
  let reason: string | undefined;
  if (!reply && h.state !== 'down' && h.failures >= rules.downAfter) {
    next = 'down';
    reason =
      h.failureError !== undefined
        ? `${errorWords(h.failureError)} (${probes(h.failures)})`
        : `${probes(h.failures)} without reply`;
  } else if ((h.state === 'down' || h.state === 'unknown') && h.successes >= rules.upAfter) {
    next = 'up';
    reason = `${probes(h.successes)} with a reply`;
    h.window.splice(0, h.window.length - h.successes);
  } else if (h.state === 'up' && h.window.length >= rules.window) {
    const why = degradedReason(rules, h.window);
    if (why !== undefined) {
      next = 'degraded';
      reason = why;
    }
  } else if (h.state === 'degraded' && degradedReason(rules, h.window) === undefined) {
    next = 'up';
    reason = recoveredReason(rules, h.window);
  }

  if (next !== h.state && reason !== undefined) {
    const previous = h.state;
    const durationS =
      h.since === undefined ? undefined : Math.round((time.getTime() - h.since.getTime()) / 1000);
    const notify = previous !== 'unknown' || next !== 'up';
    Object.assign(h, { state: next, since: time, reason, changes: h.changes + 1 });
    if (notify) h.notifiedAt = time;
    const event: HealthEvent = {
      kind: 'change',
      state: next,
      previous,
      reason,
      since: time,
      durationS,
      ...eventFigures(h.window),
      notify,
    };
    return { health: h, event };
  }

  const remind = rules.remindEveryMs;
  if (
    remind !== undefined &&
    (h.state === 'down' || h.state === 'degraded') &&
    h.since !== undefined &&
    time.getTime() - (h.notifiedAt ?? h.since).getTime() >= remind
  ) {
    h.notifiedAt = time;
    const event: HealthEvent = {
      kind: 'reminder',
      state: h.state,
      previous: h.state,
      reason: h.reason ?? '',
      since: h.since,
      durationS: Math.round((time.getTime() - h.since.getTime()) / 1000),
      ...eventFigures(h.window),
      notify: true,
    };
    return { health: h, event };
  }
  return { health: h, event: undefined };
}
