import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { type Notification, notification } from '../../../src/alerts/event.js';
import type { Delivery, RunningHook } from '../../../src/alerts/hook.js';
import { AT_ONCE, CHANNEL_CAPACITY, channelName, Notifier } from '../../../src/alerts/notifier.js';
import type { Channels } from '../../../src/config/targets.js';

const none: Channels = {
  onChange: undefined,
  webhooks: [],
  alertmanagers: [],
  hookTimeoutMs: 1000,
};
const hookOnly: Channels = { ...none, onChange: ['/hook'] };

function event(host: string, seq: number): Notification {
  return notification(
    host,
    {
      kind: 'change',
      state: seq % 2 ? 'down' : 'up',
      previous: seq % 2 ? 'up' : 'down',
      reason: 'r',
      since: new Date(0),
      durationS: undefined,
      rttMs: undefined,
      lossPct: undefined,
      notify: true,
    },
    seq,
  );
}

/** Hooks that finish when the test says; records what ran and how many at once. */
function stubHooks() {
  const started: {
    n: Notification;
    command: string[];
    finish(d: Delivery): void;
    killed: boolean;
  }[] = [];
  let running = 0;
  let most = 0;
  const runHook = (command: string[], n: Notification): RunningHook => {
    running++;
    most = Math.max(most, running);
    let finish: (d: Delivery) => void = () => {};
    const done = new Promise<Delivery>((resolve) => {
      finish = (d) => {
        running--;
        resolve(d);
      };
    });
    const entry = { n, command, finish, killed: false };
    started.push(entry);
    return {
      done,
      kill: () => {
        entry.killed = true;
        finish({ ok: false, detail: 'killed: the daemon is stopping' });
      },
    };
  };
  return { started, runHook, most: () => most };
}

function recorder() {
  const lines: { level: number; msg: string }[] = [];
  return { lines, logger: pino({}, { write: (s: string) => lines.push(JSON.parse(s)) }) };
}

const tick = () => new Promise((r) => setImmediate(r));
const ticks = async (n = 5) => {
  for (let i = 0; i < n; i++) await tick();
};
const ok: Delivery = { ok: true, detail: 'ok' };

describe('Notifier', () => {
  it('tells every channel the vantage the daemon probes from', async () => {
    const hooks = stubHooks();
    const webhooks: Notification[] = [];
    const notifier = new Notifier({
      logger: recorder().logger,
      runHook: hooks.runHook,
      postWebhook: async (_url, n) => {
        webhooks.push(n);
        return ok;
      },
      vantage: 'fra-1',
    });
    notifier.send(event('a', 1), { ...hookOnly, webhooks: ['http://127.0.0.1:9/'] });
    await tick();
    assert.equal(hooks.started[0]?.n.vantage, 'fra-1');
    assert.equal(webhooks[0]?.vantage, 'fra-1');
    hooks.started[0]?.finish(ok);
  });

  it("delivers a host's events in order, one at a time; other hosts and channels do not wait", async () => {
    const hooks = stubHooks();
    const { logger } = recorder();
    const notifier = new Notifier({ logger, runHook: hooks.runHook });
    const other: Channels = { ...none, onChange: ['/other'] };
    notifier.send(event('a', 1), hookOnly);
    notifier.send(event('a', 2), hookOnly);
    notifier.send(event('b', 1), hookOnly);
    notifier.send(event('a', 1), other);
    await tick();
    assert.deepEqual(
      hooks.started.map((s) => `${s.command[0]} ${s.n.host}${s.n.seq}`),
      ['/hook a1', '/hook b1', '/other a1'],
      "a's second waits for its first; b and /other do not wait for it",
    );
    hooks.started[0]?.finish(ok);
    await ticks();
    assert.deepEqual(
      hooks.started.map((s) => `${s.command[0]} ${s.n.host}${s.n.seq}`),
      ['/hook a1', '/hook b1', '/other a1', '/hook a2'],
    );
  });

  it(`runs at most ${AT_ONCE.exec} deliveries of a channel at once`, async () => {
    const hooks = stubHooks();
    const notifier = new Notifier({ logger: recorder().logger, runHook: hooks.runHook });
    for (let i = 0; i < 50; i++) notifier.send(event(`h${i}`, 1), hookOnly);
    await tick();
    assert.equal(hooks.started.length, AT_ONCE.exec);
    let finished = 0;
    while (finished < hooks.started.length) {
      for (const s of hooks.started.slice(finished)) s.finish(ok);
      finished = hooks.started.length;
      await ticks();
    }
    assert.equal(hooks.started.length, 50);
    assert.equal(hooks.most(), AT_ONCE.exec);
  });

  it('drops the oldest waiting event when a channel is full, says so once, and counts each', async () => {
    const hooks = stubHooks();
    const { lines, logger } = recorder();
    const outcomes: string[] = [];
    const notifier = new Notifier({
      logger,
      runHook: hooks.runHook,
      onOutcome: (channel, outcome) => outcomes.push(`${channel} ${outcome}`),
    });
    // The first AT_ONCE.exec run (and hang); CHANNEL_CAPACITY wait; 10 more push the 10
    // oldest out.
    const running = AT_ONCE.exec;
    for (let i = 0; i < running + CHANNEL_CAPACITY + 10; i++) {
      notifier.send(event(`h${i}`, 1), hookOnly);
    }
    await tick();
    assert.equal(outcomes.filter((o) => o === 'exec:/hook dropped').length, 10);
    assert.equal(lines.filter((l) => /dropping the oldest/.test(l.msg)).length, 1);
    const [report] = notifier.report;
    assert.deepEqual([report?.queued, report?.dropped], [CHANNEL_CAPACITY, 10]);
    // The 10 dropped were the oldest waiting; the one after them is next.
    hooks.started[0]?.finish(ok);
    await ticks();
    assert.equal(hooks.started[running]?.n.host, `h${running + 10}`);
  });

  it('tells every outcome, ok at info and a failure at warn, and counts them', async () => {
    const hooks = stubHooks();
    const { lines, logger } = recorder();
    const counted: string[] = [];
    const notifier = new Notifier({
      logger,
      runHook: hooks.runHook,
      onOutcome: (channel, outcome) => counted.push(`${channel}:${outcome}`),
    });
    const pending = notifier.deliver(event('a', 1), hookOnly);
    await tick();
    hooks.started[0]?.finish({ ok: false, detail: 'exited with status 3: boom' });
    const [outcome] = await pending;
    assert.deepEqual(outcome, {
      channel: 'exec',
      target: '/hook',
      delivery: { ok: false, detail: 'exited with status 3: boom' },
    });
    assert.deepEqual(counted, ['exec:/hook:failed']);
    const warn = lines.find((l) => l.level === 40);
    assert.equal(
      warn?.msg,
      'notification failed: change of a via /hook: exited with status 3: boom',
    );
  });

  it('starts no hook once the stop began; drains what runs, then kills it', async () => {
    const hooks = stubHooks();
    const { lines, logger } = recorder();
    const notifier = new Notifier({ logger: logger, runHook: hooks.runHook });
    notifier.send(event('a', 1), hookOnly);
    notifier.send(event('a', 2), hookOnly);
    await tick();
    notifier.close();
    notifier.send(event('a', 3), hookOnly);
    const t0 = performance.now();
    await notifier.drain(100);
    assert.ok(performance.now() - t0 >= 90);
    assert.equal(hooks.started.length, 1, 'the hooks waiting never started');
    assert.equal(hooks.started[0]?.killed, true);
    assert.equal(
      lines.filter((l) =>
        /^notification not delivered: change of a via \/hook: the daemon is stopping$/.test(l.msg),
      ).length,
      2,
    );
  });

  it('does nothing for a host without channels', async () => {
    const hooks = stubHooks();
    const notifier = new Notifier({ logger: recorder().logger, runHook: hooks.runHook });
    notifier.send(event('a', 1), none);
    await tick();
    assert.equal(hooks.started.length, 0);
    assert.deepEqual(notifier.report, []);
  });
});

describe('channelName', () => {
  it("is short and stable, and never shows a URL's path, query or password", () => {
    assert.equal(channelName('exec', ['/usr/local/bin/page']), 'exec:/usr/local/bin/page');
    const withArgs = channelName('exec', ['/usr/local/bin/page', '--token', 's3cret']);
    assert.match(withArgs, /^exec:\/usr\/local\/bin\/page#[0-9a-f]{6}$/);
    const url = 'https://u:s3cret@hooks.test:8443/T0/B1/s3cret?k=s3cret';
    const name = channelName('webhook', url);
    assert.match(name, /^webhook:hooks\.test:8443#[0-9a-f]{6}$/);
    assert.equal(channelName('webhook', url), name);
    assert.notEqual(channelName('webhook', url.replace('B1', 'B2')), name);
    assert.doesNotMatch(name + withArgs, /s3cret/);
  });
});

describe('Notifier and Alertmanager', () => {
  /** An Alertmanager stand-in on 127.0.0.1 that records each post's alerts. */
  async function alertmanager() {
    const posts: { labels: Record<string, string>; endsAt: string }[][] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        posts.push(req.url === '/api/v2/alerts' ? JSON.parse(body) : []);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    after(() => {
      server.closeAllConnections();
      server.close();
    });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts };
  }

  it('posts the alert at the change, again while it fires, and resolves a host a reload removed', async () => {
    const am = await alertmanager();
    const channels: Channels = { ...none, alertmanagers: [am.url] };
    const notifier = new Notifier({ logger: recorder().logger, resendMs: 100 });
    notifier.send(event('db1', 1), channels);
    await waitFor(() => am.posts.length >= 3);
    for (const post of am.posts) {
      assert.deepEqual(
        post.map((a) => [a.labels.host, a.labels.alertname, Date.parse(a.endsAt) > Date.now()]),
        [['db1', 'PingHostDown', true]],
      );
    }
    const before = am.posts.length;
    notifier.reload([]);
    await waitFor(() => am.posts.length > before);
    const resolved = am.posts.at(-1)?.[0];
    assert.ok(resolved && Date.parse(resolved.endsAt) <= Date.now(), JSON.stringify(resolved));
    await notifier.drain(1000);
  });
});

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
