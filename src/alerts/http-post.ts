// One JSON POST, bounded end to end by a timer this module holds, and the retries around it.
// Not AbortSignal.timeout() inside AbortSignal.any(): the garbage collector may take the timeout
// signal before it fires (nodejs/node#57736), and a receiver that never answers then holds the
// delivery for ever. The answer's body is read up to MAX_BODY bytes, for an error's first line;
// the rest is never read, so an endless body costs nothing.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { formatDuration } from '../config/duration.js';
import { describeErrno } from '../errors.js';
import type { Delivery } from './hook.js';

/** How much of an answer's body is kept. */
export const MAX_BODY = 4096;

export interface Answer {
  status: number;
  /** The first line of the body, at most 200 characters, control characters taken out. */
  firstLine: string;
}

export interface RetryTiming {
  /** One try's bound, connection to the end of the answer (`--hook-timeout`). */
  tryMs: number;
  /** The pauses before the second, third, … tries: their number bounds the tries. */
  backoffMs: number[];
}

/** Three tries, the pause doubling: the last begins 3 s (and two tries' bounds) after the first. */
export const BACKOFF_MS = [1000, 2000];

/** Thrown when the try's own timer ran out. */
class NoAnswer extends Error {
  override name = 'NoAnswer';
}

/** Thrown when `signal` (the daemon stopping) ended the try. */
class Stopped extends Error {
  override name = 'Stopped';
}

function firstLine(body: Buffer): string {
  const text = body.toString('utf8');
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  // Control characters (a terminal's escapes among them) are not passed on to the log.
  const printable = [...line].map((c) => (c < ' ' || c === '\x7f' ? ' ' : c)).join('');
  return printable.trim().slice(0, 200);
}

/**
 * POSTs `body` to `url`. Resolves with the status as soon as it is 2xx (the body is not wanted),
 * otherwise once MAX_BODY bytes or the end of the body arrived, or the timer ran out after the
 * headers; rejects with why no status came (no connection, no answer in time, the stop).
 */
export function postJson(
  url: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let status: number | undefined;
    const kept: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      // No keep-alive (agent: false): the socket goes with the try, whatever the receiver does.
      req.destroy();
      if (status !== undefined && !(err instanceof Stopped)) {
        resolve({ status, firstLine: firstLine(Buffer.concat(kept)) });
      } else reject(err);
    };
    const onAbort = (): void => finish(new Stopped());
    const timer = setTimeout(() => finish(new NoAnswer()), timeoutMs);
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'ping-daemon',
        },
      },
      (res) => {
        status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          finish();
          return;
        }
        res.on('data', (chunk: Buffer) => {
          kept.push(chunk.subarray(0, MAX_BODY - size));
          size += chunk.length;
          if (size >= MAX_BODY) finish();
        });
        res.on('end', () => finish());
        res.on('error', () => finish());
      },
    );
    if (signal.aborted) {
      finish(new Stopped());
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => finish(err));
    req.end(body);
  });
}

/** Whether a failed try is worth another: no answer, or one a later try may not get again. */
export function worthRetrying(status: number | undefined): boolean {
  return status === undefined || status >= 500 || status === 408 || status === 429;
}

/**
 * Runs `attempt` until it answers 2xx, tries run out, or `signal` ends it; the tries are paused
 * as `timing` says. Every way it ends is one Delivery.
 */
export async function withRetries(
  attempt: (tryMs: number) => Promise<Answer>,
  signal: AbortSignal,
  timing: RetryTiming,
): Promise<Delivery> {
  const tries = timing.backoffMs.length + 1;
  let why = '';
  let made = 0;
  for (let n = 1; n <= tries && !signal.aborted; n++) {
    made++;
    let status: number | undefined;
    try {
      const answer = await attempt(timing.tryMs);
      status = answer.status;
      if (status >= 200 && status < 300) return { ok: true, detail: `answered ${status}` };
      why = `answered ${status}${answer.firstLine === '' ? '' : `: ${answer.firstLine}`}`;
    } catch (err) {
      why =
        err instanceof Stopped
          ? 'not sent: the daemon is stopping'
          : err instanceof NoAnswer
            ? `no answer within ${formatDuration(timing.tryMs)}`
            : describeErrno(err);
    }
    if (!worthRetrying(status)) break;
    const pause = timing.backoffMs[n - 1];
    if (pause !== undefined) await sleep(pause, signal);
  }
  return { ok: false, detail: `${why} (${made === 1 ? '1 try' : `${made} tries`})` };
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no listener behind. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
