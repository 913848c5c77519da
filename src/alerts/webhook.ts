// `--webhook URL`: a JSON POST of the notification, with its `text` sentence, which chat
// services' incoming webhooks show as is. Each try is bounded; a failed try (no connection, no
// answer in time, a status that is not 2xx) is tried again after a pause, three tries in all.
// The URL is a secret (the token is often its path): what this module says never names it.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { formatDuration } from '../config/duration.js';
import { describeErrno } from '../errors.js';
import type { Notification } from './event.js';
import type { Delivery } from './hook.js';

export interface WebhookTiming {
  /** One try's bound, connection to the end of the answer (`--hook-timeout`). */
  tryMs: number;
  /** The pauses before the second and third tries. */
  backoffMs: number[];
}

/** The pauses between tries: three tries in all, the last about 4 s after the first. */
export const BACKOFF_MS = [1000, 3000];

/** One POST; resolves with the HTTP status, or rejects with why there was none. */
function post(url: URL, body: string, timeoutMs: number, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'ping-daemon',
        },
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      },
      (res) => {
        // The answer's body is not needed; read it (up to the timeout) so the socket is freed.
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Posts `n` to `url`, trying again on failure; `signal` ends it early (the daemon stops). */
export async function postWebhook(
  url: string,
  n: Notification,
  signal: AbortSignal,
  timing: WebhookTiming,
): Promise<Delivery> {
  const body = JSON.stringify(n);
  const tries = timing.backoffMs.length + 1;
  let why = '';
  let made = 0;
  for (let attempt = 1; attempt <= tries; attempt++) {
    if (signal.aborted) break;
    made++;
    try {
      const status = await post(new URL(url), body, timing.tryMs, signal);
      if (status >= 200 && status < 300) return { ok: true, detail: `answered ${status}` };
      why = `answered ${status}`;
    } catch (err) {
      // An aborted request fails with AbortError, whichever signal aborted it.
      const aborted = (err as Error).name === 'AbortError';
      why = signal.aborted
        ? 'not sent: the daemon is stopping'
        : aborted
          ? `no answer within ${formatDuration(timing.tryMs)}`
          : describeErrno(err);
    }
    const pause = timing.backoffMs[attempt - 1];
    if (pause !== undefined) await sleep(pause, signal);
  }
  return { ok: false, detail: `${why} (${made === 1 ? '1 try' : `${made} tries`})` };
}
