import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { killDelayMs, pingArguments } from '../../src/probe.js';

describe('pingArguments', () => {
  it('passes a fractional -W, which the package would round to -W 0 (wait forever)', () => {
    const args = pingArguments({ host: '127.0.0.1', count: 1, timeoutMs: 150 });
    assert.deepEqual(args.slice(args.indexOf('-W'), args.indexOf('-W') + 2), ['-W', '0.15']);
    assert.ok(!args.includes('0'));
  });
  it('passes no -w, which would make ping wait out whole seconds for a silent host', () => {
    assert.ok(!pingArguments({ host: '127.0.0.1', count: 1, timeoutMs: 1500 }).includes('-w'));
  });
  it('takes the gaps between packets off the reply wait, so the probe fits its timeout', () => {
    const args = pingArguments({ host: '127.0.0.1', count: 3, timeoutMs: 1000 });
    assert.deepEqual(args.slice(args.indexOf('-W'), args.indexOf('-W') + 2), ['-W', '0.6']);
  });
  it('ends the options before the host, so it is never read as one', () => {
    const args = pingArguments({ host: '-oops', count: 1, timeoutMs: 1000 });
    assert.deepEqual(args.slice(-2), ['--', '-oops']);
  });
  it('asks for numeric output, the count, and a short gap between packets', () => {
    const args = pingArguments({ host: '::1', count: 3, timeoutMs: 2000 });
    assert.ok(args.includes('-n'));
    assert.deepEqual(args.slice(args.indexOf('-c'), args.indexOf('-c') + 2), ['-c', '3']);
    assert.deepEqual(args.slice(args.indexOf('-i'), args.indexOf('-i') + 2), ['-i', '0.2']);
    assert.equal(args.at(-1), '::1');
  });
});

describe('killDelayMs', () => {
  it('gives ping a little grace past its timeout, never more than half a second', () => {
    assert.equal(killDelayMs(80), 90);
    assert.equal(killDelayMs(2000), 2250);
    assert.equal(killDelayMs(60_000), 60_500);
  });
});
