import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_LINES,
  DEFAULT_STOP_TIMEOUT_MS,
  logsOptions,
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
