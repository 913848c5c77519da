// `--webhook URL`: a JSON POST of the notification, with its `text` sentence, which chat
// services' incoming webhooks show as is, and its `id`, the same on every try (also in the
// Idempotency-Key header), so a receiver can drop a duplicate. Tries as http-post.ts says.
// The URL is a secret (the token is often its path): what this module says never names it.

import type { Notification } from './event.js';
import type { Delivery } from './hook.js';
import { postJson, type RetryTiming, withRetries } from './http-post.js';

/** Posts `n` to `url`, trying again on failure; `signal` ends it early (the daemon stops). */
export function postWebhook(
  url: string,
  n: Notification,
  signal: AbortSignal,
  timing: RetryTiming,
): Promise<Delivery> {
  const body = JSON.stringify(n);
  const target = new URL(url);
  return withRetries(
    (tryMs) => postJson(target, body, { 'idempotency-key': n.id }, tryMs, signal),
    signal,
    timing,
  );
}
