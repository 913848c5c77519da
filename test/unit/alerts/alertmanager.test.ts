import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AlertFeed,
  alertsEndpoint,
  RESEND_MS,
  RESOLVED_FOR_MS,
  statusPageUrl,
} from '../../../src/alerts/alertmanager.js';
import { type Notification, notification } from '../../../src/alerts/event.js';
import type { HealthState } from '../../../src/alerts/state.js';

const T0 = Date.parse('2026-12-04T12:00:00Z');

function change(host: string, state: HealthState, previous: HealthState, at: number): Notification {
  return notification(
    host,
    {
      kind: 'change',
      state,
      previous,
      reason: state === 'down' ? '3 probes without reply' : '2 probes with a reply',
      since: new Date(at),
      durationS: undefined,
      rttMs: undefined,
      lossPct: undefined,
      notify: true,
    },
    7,
  );
}

describe('AlertFeed', () => {
  it('labels each alert with the vantage that saw it', () => {
    const feed = new AlertFeed();
    feed.note({ ...change('db1', 'down', 'up', T0), vantage: 'fra-1' }, T0);
    assert.deepEqual(feed.alerts(T0)[0]?.labels, {
      alertname: 'PingHostDown',
      host: 'db1',
      state: 'down',
      severity: 'critical',
      vantage: 'fra-1',
    });
  });

  it('fires an alert per host down, valid for four resends, with labels Alertmanager routes on', () => {
    const feed = new AlertFeed('http://mon1:9101/');
    feed.note(change('db1', 'down', 'up', T0), T0);
    const [alert, more] = feed.alerts(T0 + 1000);
    assert.equal(more, undefined);
    assert.deepEqual(alert, {
      labels: { alertname: 'PingHostDown', host: 'db1', state: 'down', severity: 'critical' },
      annotations: {
        summary: change('db1', 'down', 'up', T0).text,
        description: '3 probes without reply',
      },
      startsAt: new Date(T0).toISOString(),
      endsAt: new Date(T0 + 1000 + 4 * RESEND_MS).toISOString(),
      generatorURL: 'http://mon1:9101/',
    });
    // Sent again while it fires, each time valid for longer.
    assert.equal(
      feed.alerts(T0 + RESEND_MS)[0]?.endsAt,
      new Date(T0 + 5 * RESEND_MS).toISOString(),
    );
    assert.ok(feed.holding);
  });

  it('resolves it on recovery (endsAt then), still sent for a while, then forgotten', () => {
    const feed = new AlertFeed();
    feed.note(change('db1', 'down', 'up', T0), T0);
    const up = T0 + 30_000;
    feed.note(change('db1', 'up', 'down', up), up);
    const [resolved] = feed.alerts(up);
    assert.equal(resolved?.labels.alertname, 'PingHostDown');
    assert.equal(resolved?.endsAt, new Date(up).toISOString());
    assert.equal(resolved?.generatorURL, undefined);
    assert.equal(feed.alerts(up + RESOLVED_FOR_MS - 1).length, 1);
    assert.equal(feed.alerts(up + RESOLVED_FOR_MS).length, 1, 'sent once more at the end');
    assert.deepEqual(feed.alerts(up + RESOLVED_FOR_MS + 1), []);
    assert.equal(feed.holding, false);
  });

  it('down to degraded: the down alert resolves and a degraded one fires', () => {
    const feed = new AlertFeed();
    feed.note(change('db1', 'down', 'up', T0), T0);
    feed.note(change('db1', 'degraded', 'down', T0 + 5000), T0 + 5000);
    const alerts = feed.alerts(T0 + 5000);
    assert.deepEqual(
      alerts.map((a) => [
        a.labels.alertname,
        a.labels.severity,
        a.endsAt > new Date(T0 + 5000).toISOString(),
      ]),
      [
        ['PingHostDegraded', 'warning', true],
        ['PingHostDown', 'critical', false],
      ],
    );
  });

  it('resolves the alert of a host no longer watched', () => {
    const feed = new AlertFeed();
    feed.note(change('db1', 'down', 'up', T0), T0);
    feed.forget('db1', T0 + 1);
    assert.equal(feed.alerts(T0 + 2)[0]?.endsAt, new Date(T0 + 1).toISOString());
  });
});

describe('alertsEndpoint and statusPageUrl', () => {
  it('finds the v2 API under the URL given', () => {
    for (const given of ['http://am:9093', 'http://am:9093/', 'http://am:9093/api/v2/alerts']) {
      assert.equal(alertsEndpoint(given).href, 'http://am:9093/api/v2/alerts');
    }
    assert.equal(alertsEndpoint('https://x/am/').href, 'https://x/am/api/v2/alerts');
  });

  it('names the status page by an address people can reach', () => {
    assert.equal(statusPageUrl(undefined, 'mon1'), undefined);
    assert.equal(statusPageUrl({ host: '0.0.0.0', port: 9101 }, 'mon1'), 'http://mon1:9101/');
    assert.equal(statusPageUrl({ host: '::1', port: 9101 }, 'mon1'), 'http://[::1]:9101/');
    assert.equal(statusPageUrl({ host: '10.1.2.3', port: 80 }, 'mon1'), 'http://10.1.2.3:80/');
  });
});
