import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import {
  parseCommandLine,
  readSettings,
  withoutCamelTwins,
} from '../../../src/command-line/parse.js';
import type { Target } from '../../../src/config/targets.js';
import { ConfigError, UsageError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'pd-cli-'));
const config = join(dir, 'config.json');
writeFileSync(
  config,
  JSON.stringify({ host: '127.0.0.3', interval: '5s', count: 3, format: 'json' }),
);

// yargs reads PING_DAEMON_* from process.env itself; each test sets and clears its own.
function withEnv(vars: Record<string, string>): void {
  Object.assign(process.env, vars);
}
afterEach(() => {
  for (const key of Object.keys(process.env))
    if (key.startsWith('PING_DAEMON_')) delete process.env[key];
});

/** The hosts and their timing, leaving out thresholds and channels. */
const timing = (targets: Target[]) =>
  targets.map(({ host, intervalMs, timeoutMs, count }) => ({ host, intervalMs, timeoutMs, count }));

const read = (...args: string[]) =>
  readSettings({ args: ['run', ...args], uid: 1000, cwd: '/' }, 'run');

describe('precedence: command line > environment > config file > defaults', () => {
  it('takes defaults when nothing else is given', () => {
    const s = read('--host', '127.0.0.1');
    assert.deepEqual(timing(s.targets), [
      { host: '127.0.0.1', intervalMs: 3000, timeoutMs: 2000, count: 1 },
    ]);
    assert.equal(s.format, 'text');
  });
  it('takes the config file over defaults', () => {
    const s = read('-c', config);
    assert.deepEqual(timing(s.targets), [
      { host: '127.0.0.3', intervalMs: 5000, timeoutMs: 2000, count: 3 },
    ]);
    assert.equal(s.format, 'json');
  });
  it('takes the environment over the config file', () => {
    withEnv({ PING_DAEMON_INTERVAL: '4s', PING_DAEMON_HOST: '127.0.0.4' });
    const s = read('-c', config);
    assert.deepEqual(timing(s.targets), [
      { host: '127.0.0.4', intervalMs: 4000, timeoutMs: 2000, count: 3 },
    ]);
  });
  it('takes the command line over the environment', () => {
    withEnv({ PING_DAEMON_INTERVAL: '4s', PING_DAEMON_HOST: '127.0.0.4' });
    const s = read('-c', config, '--interval', '2s', '-H', '127.0.0.2');
    assert.deepEqual(timing(s.targets), [
      { host: '127.0.0.2', intervalMs: 2000, timeoutMs: 1600, count: 3 },
    ]);
  });
  it('takes host states and channels from the environment, and per host from the file', () => {
    const file = join(dir, 'alerts.json');
    writeFileSync(
      file,
      JSON.stringify({
        hosts: [
          '127.0.0.5',
          { host: '127.0.0.6', downAfter: 7, onChange: ['/bin/true', '--quiet'] },
        ],
        degradedLoss: '20%',
      }),
    );
    withEnv({
      PING_DAEMON_DOWN_AFTER: '5',
      PING_DAEMON_DEGRADED_RTT: '250ms',
      PING_DAEMON_WEBHOOK: 'http://127.0.0.1:1/a https://127.0.0.1:2/b',
    });
    const [plain, own] = read('-c', file).targets;
    assert.deepEqual(plain?.alerts, {
      downAfter: 5,
      upAfter: 2,
      window: 20,
      degradedRttMs: 250,
      degradedLossPct: 20,
      remindEveryMs: undefined,
    });
    assert.deepEqual(plain?.notify, {
      onChange: undefined,
      webhooks: ['http://127.0.0.1:1/a', 'https://127.0.0.1:2/b'],
      alertmanagers: [],
      hookTimeoutMs: 10_000,
    });
    assert.equal(own?.alerts.downAfter, 7);
    assert.deepEqual(own?.notify.onChange, ['/bin/true', '--quiet']);
  });
  it('finds the config file through PING_DAEMON_CONFIG', () => {
    withEnv({ PING_DAEMON_CONFIG: config });
    assert.equal(read().targets[0]?.host, '127.0.0.3');
  });
  it('accepts kebab-case flags and keeps umask octal', () => {
    const s = read('--host', '::1', '--log-file', '/tmp/x.log', '--umask', '027');
    assert.equal(s.logFile, '/tmp/x.log');
    assert.equal(s.umask, 0o027);
  });
});

describe('many hosts', () => {
  const multi = join(dir, 'multi.json');
  writeFileSync(
    multi,
    JSON.stringify({
      host: '127.0.0.1',
      interval: '1s',
      hosts: ['::1', { host: '127.0.0.2', interval: '200ms', count: 1 }],
    }),
  );
  it('adds up repeated and comma-separated --host', () => {
    const s = read('--host', '127.0.0.1', '--host', '127.0.0.2,::1');
    assert.deepEqual(
      s.targets.map((t) => t.host),
      ['127.0.0.1', '127.0.0.2', '::1'],
    );
  });
  it('takes host and hosts from the config file, each entry with its own timing', () => {
    assert.deepEqual(timing(read('-c', multi).targets), [
      { host: '127.0.0.1', intervalMs: 1000, timeoutMs: 800, count: 1 },
      { host: '::1', intervalMs: 1000, timeoutMs: 800, count: 1 },
      { host: '127.0.0.2', intervalMs: 200, timeoutMs: 160, count: 1 },
    ]);
  });
  it("lets --host replace the config file's hosts", () => {
    assert.deepEqual(
      read('-c', multi, '--host', '127.0.0.9').targets.map((t) => t.host),
      ['127.0.0.9'],
    );
  });
  it('still takes a single value for other repeated options: the last', () => {
    assert.equal(
      read('--host', 'h.test', '--interval', '1s', '--interval', '2s').targets[0]?.intervalMs,
      2000,
    );
  });
  it('refuses a host listed twice', () => {
    assert.throws(() => read('--host', 'a.test,a.test'), /host a.test is listed twice/);
  });
});

describe('errors', () => {
  it('is a usage error for an unknown option', () => {
    assert.throws(
      () => read('--host', 'h', '--colour'),
      (e: unknown) => e instanceof UsageError && /colour/.test(e.message),
    );
  });
  it('is a usage error for an unknown command', () => {
    assert.throws(() => parseCommandLine({ args: ['frobnicate'], uid: 0, cwd: '/' }), UsageError);
  });
  it('keeps the config error whole, with exit 1', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"interval": "soon"}');
    assert.throws(
      () => read('-c', bad),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /config file .*bad.json: interval must be a positive duration/);
        return true;
      },
    );
  });
  it('refuses a value yargs cannot type', () => {
    assert.throws(() => read('--host', 'h', '--count', 'many'), /--count must be a whole number/);
  });
});

describe('withoutCamelTwins', () => {
  it('names an unknown option once, as typed', () => {
    assert.equal(
      withoutCamelTwins('Unknown arguments: log-fle, logFle'),
      'Unknown argument: log-fle',
    );
    assert.equal(withoutCamelTwins('Unknown arguments: a-b, aB, zz'), 'Unknown arguments: a-b, zz');
    assert.equal(withoutCamelTwins('Unknown argument: x'), 'Unknown argument: x');
    assert.equal(withoutCamelTwins('Not enough arguments'), 'Not enough arguments');
  });
});
