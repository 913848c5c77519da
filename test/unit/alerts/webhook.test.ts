import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { notification } from '../../../src/alerts/event.js';
import { postWebhook } from '../../../src/alerts/webhook.js';

const n = notification(
  'h.test',
  {
    kind: 'change',
    state: 'down',
    previous: 'up',
    reason: '3 probes without reply',
    since: new Date('2026-11-30T12:00:03Z'),
    durationS: 5,
    rttMs: undefined,
    lossPct: 100,
    notify: true,
  },
  9,
);
const fast = { tryMs: 300, backoffMs: [20, 20] };
const never = new AbortController().signal;

/** A receiver on 127.0.0.1 answering with `status` (or never, for 0); records what it got. */
async function receiver(status: number) {
  const got: { body: unknown; headers: IncomingMessage['headers'] }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      got.push({ body: JSON.parse(body), headers: req.headers });
      if (status !== 0) res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${port}/hooks/T0/secret`, got };
}

describe('postWebhook', () => {
  it('posts the notification as JSON, its text for chat services', async () => {
    const r = await receiver(204);
    assert.deepEqual(await postWebhook(r.url, n, never, fast), {
      ok: true,
      detail: 'answered 204',
    });
    assert.equal(r.got.length, 1);
    assert.deepEqual(r.got[0]?.body, n);
    assert.equal((r.got[0]?.body as { text?: string } | undefined)?.text, n.text);
    assert.equal(r.got[0]?.headers['content-type'], 'application/json');
  });

  it('tries three times on a 500, and says so without naming the URL', async () => {
    const r = await receiver(500);
    const d = await postWebhook(r.url, n, never, fast);
    assert.deepEqual(d, { ok: false, detail: 'answered 500 (3 tries)' });
    assert.equal(r.got.length, 3);
  });

  it('gives up on an endpoint that never answers, each try bounded', async () => {
    const r = await receiver(0);
    const t0 = performance.now();
    const d = await postWebhook(r.url, n, never, fast);
    assert.deepEqual(d, { ok: false, detail: 'no answer within 300ms (3 tries)' });
    assert.ok(performance.now() - t0 < 5000);
  });

  it('reports a refused connection', async () => {
    const r = await receiver(200);
    const closed = r.url.replace(/:\d+\//, ':1/');
    const d = await postWebhook(closed, n, never, fast);
    assert.deepEqual(d, { ok: false, detail: 'connection refused (3 tries)' });
  });

  it('stops at once when the daemon stops', async () => {
    const r = await receiver(0);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    const d = await postWebhook(r.url, n, stop.signal, { tryMs: 10_000, backoffMs: [10_000] });
    assert.deepEqual(d, { ok: false, detail: 'not sent: the daemon is stopping (1 try)' });
  });
});

describe('the payload', () => {
  it('carries an id, the same on every try and in Idempotency-Key, for a receiver to drop duplicates', async () => {
    const r = await receiver(500);
    await postWebhook(r.url, n, never, fast);
    const ids = r.got.map((g) => [(g.body as { id: string }).id, g.headers['idempotency-key']]);
    assert.match(n.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(ids, [
      [n.id, n.id],
      [n.id, n.id],
      [n.id, n.id],
    ]);
  });
});
