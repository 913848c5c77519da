// How long one probe may take, in one place: the default timeout, the shortest timeout a count
// of packets allows, ping's reply wait, and when a probe that outlives its timeout is killed.
// The configuration checks and the probe both ask here, so they cannot disagree. Pure.

/** The probe timeout when none is given: 2 s, or 80 % of the interval when that is shorter. */
export const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_TIMEOUT_SHARE = 0.8;

/** The gap between echo requests of one probe: iputils' lower limit for unprivileged users. */
export const PACKET_GAP_MS = 200;

/** The shortest wait for a reply worth asking ping for. */
const MIN_REPLY_WAIT_MS = 5;

/**
 * How long the pipes of a ping that has exited, or been killed, may stay open before the probe
 * ends without them: a stand-in's child that escaped the process group (`setsid sleep 20 &`) can
 * hold them for as long as it likes.
 */
export const CLOSE_GRACE_MS = 250;

export function defaultTimeoutMs(intervalMs: number): number {
  return Math.min(DEFAULT_TIMEOUT_MS, Math.floor(intervalMs * DEFAULT_TIMEOUT_SHARE));
}

/** Echo requests go PACKET_GAP_MS apart, and the last one still needs time for its reply. */
export function minimumTimeoutMs(count: number): number {
  return (count - 1) * PACKET_GAP_MS + MIN_REPLY_WAIT_MS;
}

/** ping's `-W`: it counts from the last echo request, so the gaps come off the timeout. */
export function replyWaitMs(timeoutMs: number, count: number): number {
  return Math.max(MIN_REPLY_WAIT_MS, timeoutMs - (count - 1) * PACKET_GAP_MS);
}

/**
 * How long past its timeout a probe may run before it is killed: ping's own `-W` normally ends it
 * first; the grace keeps a slow exit from being reported as a hang. An eighth of the timeout, at
 * most 500 ms; but below 800 ms a fifth, up to 100 ms: an eighth of 150 ms left a silent host's
 * ping 19 ms to exit, and on a loaded machine it was reported as `timeout` instead of `down`.
 * A fifth still kills a hung ping before the next tick when the timeout is the default 80 % of
 * the interval.
 */
export function killDelayMs(timeoutMs: number): number {
  const grace = Math.max(Math.round(timeoutMs / 8), Math.min(100, Math.round(timeoutMs / 5)));
  return timeoutMs + Math.min(500, grace);
}

/**
 * At its deadline a probe is told its time is up first: SIGALRM, which iputils ping takes as its
 * own deadline (-w), printing its statistics and exiting. So a silent host whose ping was merely
 * slow to finish (a loaded machine: its start-up counts against -W) is still `down loss=100%`,
 * not a hang. (Not SIGINT: a shell's background job, as the launcher's pings are, ignores it.)
 * What has not exited this long after (a stand-in that ignores it, a ping stuck in the kernel)
 * is killed: a quarter of the timeout, 20 to 100 ms.
 */
export function interruptGraceMs(timeoutMs: number): number {
  return Math.max(20, Math.min(100, Math.round(timeoutMs / 4)));
}
