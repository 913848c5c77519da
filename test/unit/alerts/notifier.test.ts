import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { type Notification, notification } from '../../../src/alerts/event.js';
import type { Delivery, RunningHook } from '../../../src/alerts/hook.js';
import { MAX_DELIVERIES, Notifier } from '../../../src/alerts/notifier.js';
import type { Channels } from '../../../src/config/targets.js';

const hookOnly: Channels = { onChange: ['/hook'], webhooks: [], hookTimeoutMs: 1000 };

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
  const started: { n: Notification; finish(d: Delivery): void; killed: boolean }[] = [];
  let running = 0;
  let most = 0;
  const runHook = (_command: string[], n: Notification): RunningHook => {
    running++;
    most = Math.max(most, running);
    let finish: (d: Delivery) => void = () => {};
    const done = new Promise<Delivery>((resolve) => {
      finish = (d) => {
        running--;
        resolve(d);
      };
    });
    const entry = { n, finish, killed: false };
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

describe('Notifier', () => {
  it("delivers a host's events in order, one at a time, without holding up other hosts", async () => {
    const hooks = stubHooks();
    const { logger } = recorder();
    const notifier = new Notifier({ logger, runHook: hooks.runHook });
    notifier.send(event('a', 1), hookOnly);
    notifier.send(event('a', 2), hookOnly);
    notifier.send(event('b', 1), hookOnly);
    await tick();
    assert.deepEqual(
      hooks.started.map((s) => `${s.n.host}${s.n.seq}`),
      ['a1', 'b1'],
      "a's second waits for its first; b does not wait for a",
    );
    hooks.started[1]?.finish({ ok: true, detail: 'ok' });
    hooks.started[0]?.finish({ ok: true, detail: 'ok' });
    await tick();
    await tick();
    assert.deepEqual(
      hooks.started.map((s) => `${s.n.host}${s.n.seq}`),
      ['a1', 'b1', 'a2'],
    );
  });

  it(`runs at most ${MAX_DELIVERIES} deliveries at once, all hosts together`, async () => {
    const hooks = stubHooks();
    const notifier = new Notifier({ logger: recorder().logger, runHook: hooks.runHook });
    for (let i = 0; i < 100; i++) notifier.send(event(`h${i}`, 1), hookOnly);
    await tick();
    assert.equal(hooks.started.length, MAX_DELIVERIES);
    // Finish them as they come; the rest start as slots free up.
    let finished = 0;
    while (finished < hooks.started.length) {
      for (const s of hooks.started.slice(finished)) s.finish({ ok: true, detail: 'ok' });
      finished = hooks.started.length;
      for (let i = 0; i < 5; i++) await tick();
    }
    assert.equal(hooks.started.length, 100);
    assert.equal(hooks.most(), MAX_DELIVERIES);
  });

  it('tells every outcome, ok at info and a failure at warn, and counts them', async () => {
    const hooks = stubHooks();
    const { lines, logger } = recorder();
    const counted: string[] = [];
    const notifier = new Notifier({
      logger,
      runHook: hooks.runHook,
      onOutcome: (channel, ok) => counted.push(`${channel}:${ok}`),
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
    assert.deepEqual(counted, ['exec:false']);
    const warn = lines.find((l) => l.level === 40);
    assert.equal(
      warn?.msg,
      'notification failed: change of a via /hook: exited with status 3: boom',
    );
  });

  it('drains what is queued, then kills what still runs', async () => {
    const hooks = stubHooks();
    const notifier = new Notifier({ logger: recorder().logger, runHook: hooks.runHook });
    notifier.send(event('a', 1), hookOnly);
    await tick();
    const t0 = performance.now();
    await notifier.drain(100);
    assert.ok(performance.now() - t0 >= 90);
    assert.equal(hooks.started[0]?.killed, true);
  });

  it('does nothing for a host without channels', async () => {
    const hooks = stubHooks();
    const notifier = new Notifier({ logger: recorder().logger, runHook: hooks.runHook });
    notifier.send(event('a', 1), { onChange: undefined, webhooks: [], hookTimeoutMs: 1 });
    await tick();
    assert.equal(hooks.started.length, 0);
  });
});
