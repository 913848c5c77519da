import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HISTORY_MINUTES, HourHistory } from '../../../src/graphs/history.js';
import { StatusPage } from '../../../src/graphs/status-page.js';

const T0 = Date.parse('2026-11-30T12:00:00Z');

describe('HourHistory', () => {
  it('keeps the last hour in minute tallies, the open minute included', () => {
    const h = new HourHistory();
    // 90 minutes, a probe every 20 s; minute m answers in m + 1 ms, minute 80 not at all.
    for (let s = 0; s < 90 * 60; s += 20) {
      const m = Math.floor(s / 60);
      h.add({
        time: T0 + s * 1000,
        rttMs: m === 80 ? undefined : m + 1,
        lossPct: m === 80 ? 100 : 0,
      });
    }
    const now = T0 + (89 * 60 + 50) * 1000;
    const frame = h.frame(now);
    assert.equal(frame.count, HISTORY_MINUTES);
    assert.equal(frame.from, T0 + 30 * 60_000);
    assert.equal(frame.tallies.at(-1)?.quantile(0.5), 90, 'the open minute');
    assert.equal(frame.tallies[50]?.replies, 0, 'minute 80: no reply');
    assert.equal(frame.tallies[50]?.failed, 3);
    assert.equal(frame.tallies[50]?.outage, 3, 'three in a row: an outage');
    assert.equal(frame.tallies[10]?.quantile(0.5), 41);
  });
});

describe('StatusPage', () => {
  it('escapes every value it shows', async () => {
    const page = new StatusPage();
    page.observe(
      'h.test',
      { status: 'error', error: '<img src=x onerror=alert(1)>' },
      new Date(T0),
    );
    const html = await page.html({
      targets: [{ host: 'h.test', intervalMs: 1000, timeoutMs: 800, count: 1 }],
      stats: {
        'h.test': {
          probes: 1,
          skipped: 0,
          missed: 0,
          up: 0,
          down: 0,
          error: 1,
          last: {
            time: new Date(T0),
            seq: 1,
            result: { status: 'error', error: '<img src=x onerror=alert(1)>' },
          },
        },
      },
      health: {
        'h.test': {
          state: 'down',
          since: new Date(T0),
          reason: '<i>why</i> (3 probes)',
          changes: 1,
        },
      },
      now: T0 + 1000,
      refreshS: 30,
      host: null,
    });
    assert.ok(!html.includes('<img'), 'no element from a value');
    assert.ok(!html.includes('<i>'));
    assert.match(html, /&#60;img src=x onerror=alert\(1\)&#62;/);
    assert.match(html, /<meta http-equiv="refresh" content="30">/);
    assert.match(html, /<span class="state down">1 down<\/span>/);
  });
});
