import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_LINES,
  DEFAULT_STOP_TIMEOUT_MS,
  graphOptions,
  logsOptions,
  refuseDashedTimes,
  stopOptions,
} from '../../../src/command-line/command-options.js';
import { UsageError } from '../../../src/errors.js';

/** A command line on which `flags` were typed. */
const typedOnly =
  (...flags: string[]) =>
  (...asked: string[]): boolean =>
    asked.some((f) => flags.includes(f));

/** The UsageError's message, or a failure when none was thrown. */
function usageError(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    return err.message;
  }
  assert.fail('no UsageError');
}

describe('logs options', () => {
  it('defaults: the last lines, or every line for a summary', () => {
    const plain = logsOptions({}, typedOnly());
    assert.equal(plain.lines, DEFAULT_LINES);
    assert.equal(plain.host, undefined);
    assert.equal(plain.sinceMs, undefined);
    assert.equal(logsOptions({ summary: true }, typedOnly()).lines, Number.POSITIVE_INFINITY);
  });

  it('converts what was typed: -n, --since, --host in its canonical spelling', () => {
    const o = logsOptions({ lines: '0', since: '10m', host: 'LOCALHOST.' }, typedOnly('--host'));
    assert.deepEqual([o.lines, o.sinceMs, o.host], [0, 600_000, 'localhost']);
  });

  it('ignores a host that the environment or config file gave the daemon', () => {
    assert.equal(logsOptions({ host: ['127.0.0.1'] }, typedOnly()).host, undefined);
  });

  it('refuses bad values with one UsageError naming the flag and showing the value', () => {
    assert.equal(
      usageError(() => logsOptions({ lines: 'abc' }, typedOnly())),
      '-n must be a number of lines, got `abc`',
    );
    for (const lines of ['-1', '1.5', '1e3', '']) {
      assert.match(
        usageError(() => logsOptions({ lines }, typedOnly())),
        /^-n must be/,
      );
    }
    assert.equal(
      usageError(() => logsOptions({ since: 'yesterday' }, typedOnly())),
      '--since must be a positive duration like `10m`, at most 24h, got `yesterday`',
    );
    assert.match(
      usageError(() => logsOptions({ host: 'a b' }, typedOnly('-H'))),
      /^--host .*, got `a b`$/,
    );
  });
});

describe('stop options', () => {
  it('waits the default unless --timeout was typed here', () => {
    // A probe timeout from the config file is not a stop timeout.
    assert.equal(stopOptions({ timeout: '1s' }, typedOnly()).timeoutMs, DEFAULT_STOP_TIMEOUT_MS);
    assert.deepEqual(stopOptions({ timeout: '30s', force: true }, typedOnly('--timeout')), {
      timeoutMs: 30_000,
      force: true,
    });
  });

  it('refuses a bad --timeout', () => {
    assert.equal(
      usageError(() => stopOptions({ timeout: 'soon' }, typedOnly('--timeout'))),
      '--timeout must be a positive duration like `10s`, at most 24h, got `soon`',
    );
  });
});

describe('graph options', () => {
  const now = Date.parse('2026-12-05T12:00:00Z');
  const DAY = 86_400_000;
  it('takes ranges of any length: m h d w y, and dates', () => {
    for (const [since, ms] of [
      ['25h', 25 * 3_600_000],
      ['7d', 7 * DAY],
      ['1w', 7 * DAY],
      ['168h', 7 * DAY],
      ['400d', 400 * DAY],
      ['1y', 365 * DAY],
    ] as const) {
      const o = graphOptions({ since }, typedOnly(), now);
      assert.equal(o.to - o.from, ms, since);
    }
    process.env.TZ = 'UTC';
    const dates = graphOptions(
      { since: '2026-11-01', until: '2026-12-01T06:30' },
      typedOnly(),
      now,
    );
    assert.equal(new Date(dates.from).toISOString(), '2026-11-01T00:00:00.000Z');
    assert.equal(new Date(dates.to).toISOString(), '2026-12-01T06:30:00.000Z');
    const back = graphOptions({ since: '3h', until: '2d' }, typedOnly(), now);
    assert.equal(back.to, now - 2 * DAY);
    assert.equal(back.from, back.to - 3 * 3_600_000);
  });

  it('refuses an inverted, negative or endless range', () => {
    assert.match(
      usageError(() =>
        graphOptions({ since: '2026-12-06', until: '2026-12-05' }, typedOnly(), now),
      ),
      /^--since must be before --until/,
    );
    assert.match(
      usageError(() => refuseDashedTimes(['graph', '--since', '-1h'])),
      /^--since .*cannot be negative.*got `-1h`/,
    );
    assert.match(
      usageError(() => refuseDashedTimes(['graph', '--until=-2d'])),
      /^--until/,
    );
    assert.match(
      usageError(() => graphOptions({ since: '11y' }, typedOnly(), now)),
      /at most 10y/,
    );
    assert.match(
      usageError(() => graphOptions({ scale: 'huge' }, typedOnly(), now)),
      /^--scale/,
    );
  });

  it('takes hosts by name or glob, repeated', () => {
    const o = graphOptions({ host: ['db-*', 'WWW.Host.test'] }, typedOnly('--host'), now);
    assert.deepEqual(o.hosts, ['db-*', 'www.host.test']);
    assert.deepEqual(
      graphOptions({ host: 'x' }, typedOnly(), now).hosts,
      [],
      'the service --host is not a filter',
    );
    assert.match(
      usageError(() => graphOptions({ host: 'a b' }, typedOnly('--host'), now)),
      /^--host/,
    );
  });
});
