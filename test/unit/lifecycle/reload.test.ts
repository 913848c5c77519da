import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { Settings } from '../../../src/config/settings.js';
import { UsageError } from '../../../src/errors.js';
import { reload, restartOnlyChanges } from '../../../src/lifecycle/reload.js';
import { defaultAlerts, noChannels } from '../../helpers/settings.js';

const base: Settings = {
  targets: [
    {
      host: '127.0.0.1',
      intervalMs: 1000,
      timeoutMs: 800,
      count: 1,
      alerts: defaultAlerts,
      notify: noChannels,
    },
  ],
  maxInflight: 100,
  metricsListen: undefined,
  vantage: 'eu-1',
  logFile: '/tmp/p.log',
  historyDir: undefined,
  format: 'text',
  pidFile: '/tmp/p.pid',
  serviceLog: undefined,
  logLevel: 'info',
  umask: 0o022,
  user: undefined,
  group: undefined,
  pingDir: undefined,
  prober: 'ping',
  proberWhy: '--prober ping',
  configFile: '/etc/ping-daemon/config.json',
};

function recorder() {
  const events: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => events.push(JSON.parse(s)) });
  return { logger, events };
}

const now = new Date('2026-11-30T12:00:00Z');

describe('restartOnlyChanges', () => {
  it('names the settings a running daemon cannot take, and only those', () => {
    assert.deepEqual(restartOnlyChanges(base, { ...base, format: 'json', maxInflight: 5 }), []);
    assert.deepEqual(
      restartOnlyChanges(base, {
        ...base,
        logFile: '/tmp/q.log',
        metricsListen: { host: '127.0.0.1', port: 9469 },
        prober: 'fping',
      }),
      ['logFile', 'prober', 'metricsListen'],
    );
  });
});

describe('reload', () => {
  it('applies new settings, sets the log level, and warns of what waits for a restart', async () => {
    const { logger, events } = recorder();
    const applied: Settings[] = [];
    const next: Settings = { ...base, format: 'json', logLevel: 'warn', pidFile: '/tmp/other.pid' };
    const { settings, outcome } = await reload({
      started: base,
      reread: () => next,
      reopenLogs: () => [],
      apply: (s) => {
        applied.push(s);
        return { changed: ['format'] };
      },
      logger,
      now: () => now,
    });
    assert.equal(settings, next);
    assert.deepEqual(applied, [next]);
    assert.deepEqual(outcome, { time: now, ok: true, warnings: [] });
    assert.equal(logger.level, 'warn');
    assert.ok(events.some((e) => e.msg === 'pidFile: these take effect at the next restart'));
  });

  it('keeps the old settings when the new ones are bad, and says why', async () => {
    const { logger, events } = recorder();
    let applied = false;
    const { settings, outcome } = await reload({
      started: base,
      reread: () => {
        throw new UsageError('--interval must be a positive duration like `3s`, got `x`');
      },
      reopenLogs: () => ['cannot reopen /tmp/p.log: permission denied'],
      apply: () => {
        applied = true;
        return {};
      },
      logger,
      now: () => now,
    });
    assert.equal(settings, undefined);
    assert.equal(applied, false);
    assert.equal(logger.level, 'debug', 'unchanged');
    assert.deepEqual(outcome, {
      time: now,
      ok: false,
      error: '--interval must be a positive duration like `3s`, got `x`',
      warnings: ['cannot reopen /tmp/p.log: permission denied'],
    });
    assert.ok(events.some((e) => e.level === 50 && e.msg.startsWith('reload failed')));
  });
});
