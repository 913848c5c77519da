import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { optionProblem, parseListen } from '../../../src/config/option-checks.js';
import { vantageOf } from '../../../src/config/options.js';
import { AUTO_FPING_FROM } from '../../../src/config/prober.js';
import { checkEnvironment, resolveSettings } from '../../../src/config/settings.js';
import { UsageError } from '../../../src/errors.js';
import { defaultAlerts, noChannels } from '../../helpers/settings.js';

const place = { uid: 1000, home: '/home/u' };

describe('resolveSettings', () => {
  it('fills the defaults of docs/command-line.md', () => {
    const s = resolveSettings({ host: '127.0.0.1' }, place, 'run', '/x');
    assert.deepEqual(s, {
      targets: [
        {
          host: '127.0.0.1',
          intervalMs: 3000,
          timeoutMs: 2000,
          count: 1,
          alerts: defaultAlerts,
          notify: noChannels,
        },
      ],
      maxInflight: 100,
      metricsListen: undefined,
      logFile: '/home/ping.log',
      historyDir: '/home/ping-history',
      format: 'text',
      // Below the home, never XDG_RUNTIME_DIR: a Place holds no environment to read it from.
      pidFile: '/home/u/.local/state/ping-daemon/ping-daemon.pid',
      serviceLog: undefined,
      logLevel: 'info',
      umask: 0o022,
      user: undefined,
      group: undefined,
      pingDir: undefined,
      prober: 'ping',
      proberWhy: `auto: 1 host, one ping per tick below ${AUTO_FPING_FROM}`,
      vantage: hostname(),
      configFile: undefined,
    });
  });

  it('takes --vantage, or makes one of the host name', () => {
    assert.equal(
      resolveSettings({ host: 'h.test', vantage: 'fra-1' }, place, 'run').vantage,
      'fra-1',
    );
    assert.equal(vantageOf(undefined, 'web1.example.net'), 'web1.example.net');
    // A name that is not one a label matcher takes as is: the rest of it, or `localhost`.
    assert.equal(vantageOf(undefined, 'my box (old)'), 'my-box-old-');
    assert.equal(vantageOf(undefined, '-x'), 'x');
    assert.equal(vantageOf(undefined, ''), 'localhost');
    assert.equal(vantageOf(undefined, 'a'.repeat(80)), 'a'.repeat(64));
    for (const bad of ['', 'eu 1', '-eu', 'eu/1', 'ü', 'a'.repeat(65), 'x"y']) {
      assert.throws(
        () => resolveSettings({ host: 'h.test', vantage: bad }, place, 'run'),
        (err: Error) =>
          err instanceof UsageError &&
          err.message.startsWith(
            '--vantage must be a name of 1-64 letters, digits, `.`, `_` or `-`, starting with a letter or digit, got ',
          ),
        bad,
      );
    }
  });

  it('uses the root paths for root, and a service log for the daemon', () => {
    const s = resolveSettings({ host: 'h.test' }, { uid: 0 }, 'daemon');
    assert.equal(s.pidFile, '/run/ping-daemon/ping-daemon.pid');
    assert.equal(s.serviceLog, '/var/log/ping-daemon.log');
    const u = resolveSettings({ host: 'h.test' }, { uid: 1000, home: '/home/u' }, 'daemon');
    assert.equal(u.pidFile, '/home/u/.local/state/ping-daemon/ping-daemon.pid');
    assert.equal(u.serviceLog, '/home/u/.local/state/ping-daemon/ping-daemon.log');
  });

  it('makes the timeout 80% of a short interval', () => {
    const timeout = (interval: string) =>
      resolveSettings({ host: 'h', interval }, place, 'run').targets[0]?.timeoutMs;
    assert.equal(timeout('200ms'), 160);
    assert.equal(timeout('1'), 800);
    assert.equal(timeout('1m'), 2000);
  });

  it('resolves relative paths against the working directory', () => {
    const s = resolveSettings(
      { host: 'h', logFile: 'p.log', pingDir: 'bin', config: 'c.json' },
      place,
      'run',
      '/srv',
    );
    assert.equal(s.logFile, '/srv/p.log');
    assert.equal(s.pingDir, '/srv/bin');
    assert.equal(s.configFile, '/srv/c.json');
  });

  const refused: [Record<string, unknown>, RegExp][] = [
    [{}, /no host to ping/],
    [{ host: '-x' }, /--host starts with `-`/],
    [{ host: 'a b' }, /--host contains a space/],
    [
      { host: 'h', interval: 'abc' },
      /--interval must be a positive duration like `3s` or `500ms`, got `abc`/,
    ],
    [{ host: 'h', interval: '0' }, /--interval must be a positive duration/],
    [{ host: 'h', timeout: '-1s' }, /--timeout must be a positive duration/],
    [
      { host: 'h', interval: '1s', timeout: '1s' },
      /--timeout \(1s\) must be shorter than --interval \(1s\)/,
    ],
    [
      { host: 'h', interval: '1s', timeout: '4ms' },
      /^--timeout \(4ms\) is too short; it must be at least 5ms$/,
    ],
    [
      { host: 'h', interval: '3s', timeout: '500ms', count: 5 },
      /too short for --count 5 \(packets go 200ms apart\); it must be at least 805ms/,
    ],
    [{ host: 'h', count: 0 }, /--count must be a whole number from 1 to 100, got `0`/],
    [{ host: 'h', count: Number.NaN }, /--count must be a whole number/],
    [{ host: 'h', count: 1.5 }, /--count must be a whole number/],
    [{ host: 'h', umask: '99' }, /--umask must be an octal mask/],
    [{ host: 'h', format: 'xml' }, /--format must be one of text, classic, json, got `xml`/],
    [{ host: 'h', logFile: '' }, /--log-file must be a file path/],
    [{ host: 'h', user: 'a b' }, /--user must be a user or group name/],
  ];
  for (const [argv, message] of refused) {
    it(`refuses ${JSON.stringify(argv)}`, () => {
      assert.throws(
        () => resolveSettings(argv, place, 'run'),
        (err: unknown) => {
          assert.ok(err instanceof UsageError);
          assert.match(err.message, message);
          assert.equal(err.exitCode, 2);
          assert.ok(!err.message.includes('\n'));
          return true;
        },
      );
    });
  }
});

describe('parseListen', () => {
  it('reads ADDRESS:PORT', () => {
    assert.deepEqual(parseListen('127.0.0.1:9469'), { host: '127.0.0.1', port: 9469 });
    assert.deepEqual(parseListen('[::1]:9469'), { host: '::1', port: 9469 });
    assert.deepEqual(parseListen('localhost:80'), { host: 'localhost', port: 80 });
    for (const bad of [
      '9469',
      ':9469',
      '127.0.0.1',
      '127.0.0.1:0',
      '127.0.0.1:70000',
      '::1:9469',
      '[x]:1',
      '-a:1',
      7,
    ]) {
      assert.equal(parseListen(bad), undefined, String(bad));
    }
  });
});

describe('checkEnvironment', () => {
  it('names the variable that holds a bad value', () => {
    assert.throws(
      () => checkEnvironment({ PING_DAEMON_INTERVAL: 'soon' }),
      /^UsageError: PING_DAEMON_INTERVAL must be a positive duration .*, got `soon`$/,
    );
    assert.throws(
      () => checkEnvironment({ PING_DAEMON_HOST: '-f' }),
      /PING_DAEMON_HOST starts with `-`/,
    );
    assert.throws(
      () => checkEnvironment({ PING_DAEMON_COUNT: 'x' }),
      /PING_DAEMON_COUNT must be a whole number/,
    );
  });
  it('refuses an unknown PING_DAEMON_ variable', () => {
    assert.throws(
      () => checkEnvironment({ PING_DAEMON_HOSTNAME: 'a' }),
      /unknown environment variable PING_DAEMON_HOSTNAME/,
    );
    assert.throws(
      () => checkEnvironment({ PING_DAEMON_LOGFILE: 'a' }),
      /^UsageError: unknown environment variable PING_DAEMON_LOGFILE \(did you mean PING_DAEMON_LOG_FILE\?\)$/,
    );
    assert.throws(
      () => checkEnvironment({ PING_DAEMON_HOSTS: 'a' }),
      /PING_DAEMON_HOSTS is not read: list hosts as PING_DAEMON_HOST=a,b/,
    );
  });
  it('accepts good values and ignores other variables', () => {
    checkEnvironment({
      PING_DAEMON_LOG_FILE: '/tmp/x',
      PING_DAEMON_COUNT: '3',
      PING_DAEMON_CONFIG: '/c',
      PATH: '-x',
    });
  });
});

describe('optionProblem', () => {
  it('shows control characters escaped and long values cut', () => {
    assert.equal(
      optionProblem('host', 'a\nb'),
      '--host contains a space or control character, got `a\\nb`',
    );
    const long = optionProblem('interval', 'x'.repeat(500)) ?? '';
    assert.ok(long.length < 150);
  });
});
