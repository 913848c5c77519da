import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { postJson, withRetries, worthRetrying } from '../../../src/alerts/http-post.js';

// The garbage collector, forced between the steps of a try: a timeout the GC can take away
// (AbortSignal.timeout inside AbortSignal.any, nodejs/node#57736) never fires here.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A receiver on 127.0.0.1 that does `answer` with every request; counts them. */
async function receiver(answer: (res: ServerResponse) => void) {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: new URL(`http://127.0.0.1:${port}/x`), requests: () => requests };
}

const never = new AbortController().signal;

/** Runs `f` while forcing a full collection every 20 ms; resolves with its value and duration. */
async function underGc<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const forcing = setInterval(gc, 20);
  try {
    return { value: await f(), ms: performance.now() - t0 };
  } finally {
    clearInterval(forcing);
  }
}

describe('postJson', () => {
  it('gives up on a receiver that never answers, on time, whatever the GC does', async () => {
    const r = await receiver(() => {});
    const { value, ms } = await underGc(() =>
      postJson(r.url, '{}', {}, 300, never).then(
        () => 'answered',
        (err: Error) => err.name,
      ),
    );
    assert.equal(value, 'NoAnswer');
    // Far under what a lost timer would take (for ever); far over what a loaded machine adds.
    assert.ok(ms >= 290 && ms < 8000, `${ms} ms`);
  });

  it('takes the status of an answer whose body never ends, reading only a few KiB of it', async () => {
    let written = 0;
    const r = await receiver((res) => {
      res.writeHead(500);
      const more = (): void => {
        while (res.write(Buffer.alloc(16_384, 120))) written += 16_384;
        res.once('drain', more);
      };
      more();
    });
    const { value, ms } = await underGc(() => postJson(r.url, '{}', {}, 20_000, never));
    assert.equal(value.status, 500);
    assert.equal(value.firstLine, 'x'.repeat(200));
    assert.ok(ms < 10_000, `${ms} ms: it stopped reading, it did not wait for its timer`);
    assert.ok(written < 10 * 1024 * 1024, `${written} bytes sent before the socket closed`);
  });

  it('bounds a body that trickles a byte at a time, and keeps its status', async () => {
    const r = await receiver((res) => {
      res.writeHead(503);
      const timer = setInterval(() => res.write('.'), 100);
      res.on('close', () => clearInterval(timer));
    });
    const { value, ms } = await underGc(() => postJson(r.url, '{}', {}, 400, never));
    assert.equal(value.status, 503);
    assert.ok(ms >= 390 && ms < 8000, `${ms} ms`);
  });

  it('returns at the headers of a 2xx, without its body', async () => {
    const r = await receiver((res) => {
      res.writeHead(200);
      res.write('endless');
    });
    const { value, ms } = await underGc(() => postJson(r.url, '{}', {}, 20_000, never));
    assert.equal(value.status, 200);
    assert.ok(ms < 10_000, `${ms} ms: it did not wait for its timer`);
  });

  it('keeps the first line of an error answer, without control characters', async () => {
    const r = await receiver((res) => res.writeHead(400).end('\n\x1b[31mbad token\x1b[0m\nmore\n'));
    const answer = await postJson(r.url, '{}', {}, 2000, never);
    assert.deepEqual(answer, { status: 400, firstLine: '[31mbad token [0m' });
  });
});

describe('withRetries', () => {
  const timing = { tryMs: 200, backoffMs: [20, 40, 80] };

  it('tries again on no answer, a 5xx, 408 and 429; not on another 4xx, which will not change', async () => {
    assert.deepEqual([500, 503, 408, 429, undefined].map(worthRetrying), [
      true,
      true,
      true,
      true,
      true,
    ]);
    assert.deepEqual([400, 401, 404, 410].map(worthRetrying), [false, false, false, false]);
    const gone = await receiver((res) => res.writeHead(404).end('no such hook'));
    const d = await withRetries((ms) => postJson(gone.url, '{}', {}, ms, never), never, timing);
    assert.deepEqual(d, { ok: false, detail: 'answered 404: no such hook (1 try)' });
    assert.equal(gone.requests(), 1);
  });

  it('stops after the last pause: tries and time bounded', async () => {
    const down = await receiver((res) => res.writeHead(502).end());
    const t0 = performance.now();
    const d = await withRetries((ms) => postJson(down.url, '{}', {}, ms, never), never, timing);
    assert.deepEqual(d, { ok: false, detail: 'answered 502 (4 tries)' });
    assert.equal(down.requests(), 4);
    // Four bounded tries and three pauses: a bound, with room for a loaded machine.
    assert.ok(performance.now() - t0 < 4 * 200 + 140 + 5000);
  });

  it('succeeds on a later try', async () => {
    let n = 0;
    const flaky = await receiver((res) => res.writeHead(++n < 3 ? 500 : 202).end());
    const d = await withRetries((ms) => postJson(flaky.url, '{}', {}, ms, never), never, timing);
    assert.deepEqual(d, { ok: true, detail: 'answered 202' });
  });
});
