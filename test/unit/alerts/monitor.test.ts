import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { Notification } from '../../../src/alerts/event.js';
import { HealthMonitor } from '../../../src/alerts/monitor.js';
import type { Notifier } from '../../../src/alerts/notifier.js';
import type { Channels, Target } from '../../../src/config/targets.js';
import type { ProbeResult } from '../../../src/probing/ping-result.js';

const channels: Channels = {
  onChange: ['/hook'],
  webhooks: [],
  alertmanagers: [],
  hookTimeoutMs: 1000,
};
const target = (host: string, downAfter = 2): Target => ({
  host,
  intervalMs: 1000,
  timeoutMs: 800,
  count: 1,
  alerts: {
    downAfter,
    upAfter: 1,
    window: 20,
    degradedRttMs: undefined,
    degradedLossPct: undefined,
    remindEveryMs: undefined,
  },
  notify: channels,
});
const UP: ProbeResult = { status: 'up', rttMs: 1, lossPct: 0 };
const DOWN: ProbeResult = { status: 'down', lossPct: 100 };

function setup(targets: Target[]) {
  const sent: { n: Notification; channels: Channels }[] = [];
  const lines: { level: number; msg: string }[] = [];
  const states: string[] = [];
  const monitor = new HealthMonitor(targets, {
    logger: pino({}, { write: (s: string) => lines.push(JSON.parse(s)) }),
    notifier: {
      send: (n: Notification, c: Channels) => sent.push({ n, channels: c }),
    } as unknown as Notifier,
    metrics: { setState: (host, state, changed) => states.push(`${host}:${state}:${changed}`) },
  });
  let seq = 0;
  const feed = (host: string, ...results: ProbeResult[]) => {
    for (const r of results) monitor.observe(host, ++seq, r, new Date(seq * 1000));
  };
  return { monitor, sent, lines, states, feed };
}

describe('HealthMonitor', () => {
  it('logs every change with its reason, and notifies all but a first up', () => {
    const { sent, lines, states, feed } = setup([target('a')]);
    feed('a', UP, DOWN, DOWN, UP);
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg]),
      [
        [30, 'a is up (1 probe with a reply)'],
        [40, 'a is down (2 probes without reply)'],
        [30, 'a is up (1 probe with a reply)'],
      ],
    );
    assert.deepEqual(
      sent.map((s) => [s.n.state, s.n.event, s.channels]),
      [
        ['down', 'change', channels],
        ['up', 'change', channels],
      ],
    );
    assert.deepEqual(states, ['a:unknown:false', 'a:up:true', 'a:down:true', 'a:up:true']);
  });

  it('keeps a host state across a reload, and starts a new host unknown', () => {
    const { monitor, sent, feed } = setup([target('a')]);
    feed('a', DOWN, DOWN);
    const before = monitor.summary.a;
    monitor.reload([target('a', 5), target('b')]);
    assert.deepEqual(monitor.summary.a, before);
    assert.equal(monitor.summary.b?.state, 'unknown');
    feed('a', DOWN);
    assert.equal(sent.length, 1, 'no second down');
    monitor.reload([target('b')]);
    assert.equal(monitor.summary.a, undefined);
  });
});
