import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createProbe, pingArguments } from '../../../src/probing/probe.js';
import { CLOSE_GRACE_MS, interruptGraceMs, killDelayMs } from '../../../src/probing/timing.js';
import { fixture, processesMatching, waitFor } from '../../helpers/cli.js';

describe('pingArguments', () => {
  it('passes each probe option as its own argument, before `--`', () => {
    const args = pingArguments({
      host: 'h.test',
      count: 1,
      timeoutMs: 1000,
      ...{ family: 6, size: 0, ttl: 1, tos: 184, source: 'eth0' },
    });
    assert.deepEqual(args, [
      '-n',
      '-c',
      '1',
      '-W',
      '1',
      '-6',
      '-s',
      '0',
      '-t',
      '1',
      '-Q',
      '184',
      '-I',
      'eth0',
      '--',
      'h.test',
    ]);
  });

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

/** Blocks the event loop for `ms`, as a SIGSTOP of the daemon does: nothing of ours runs. */
function stall(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('createProbe', () => {
  const up = join(fixture('ping-up'), 'ping');

  it('decides by what ping did: an answer during a stall past the deadline is up (SIGSTOP)', async () => {
    const probe = createProbe(up)({ host: '127.0.0.1', count: 1, timeoutMs: 100 });
    // ping answers and exits while we cannot run; afterwards the deadline timer runs first.
    stall(killDelayMs(100) + 400);
    const result = await probe.result;
    assert.deepEqual([result.status, result.rttMs, result.lossPct], ['up', 0.042, 0]);
  });

  it('ends soon after ping exits even when an escaped child holds its pipes', async () => {
    const t0 = performance.now();
    const probe = createProbe(join(fixture('ping-escape'), 'ping'))({
      host: '127.0.0.1',
      count: 1,
      timeoutMs: 2000,
    });
    try {
      const result = await probe.result;
      assert.equal(result.status, 'up');
      assert.ok(performance.now() - t0 < 2000, 'not held until the escaped child exits');
    } finally {
      for (const pid of processesMatching('sleep 29.5')) process.kill(pid, 'SIGKILL');
    }
  });

  it('interrupts a ping still at work at its deadline: its statistics decide (down, not a hang)', async () => {
    const late = join(fixture('ping-late'), 'ping');
    // Time enough for the stand-in to start and set its trap, even on a loaded machine (a
    // ping killed by SIGALRM before it set its handler is a timeout, rightly).
    const result = await createProbe(late)({ host: '10.99.0.1', count: 1, timeoutMs: 1000 }).result;
    assert.deepEqual(result, {
      status: 'down',
      lossPct: 100,
      addr: '10.99.0.1',
      sent: 1,
      replies: 0,
    });
    await waitFor('no stand-in left', () => processesMatching(late).length === 0);
  });

  it('kills what ignores the interrupt, and calls it a timeout', async () => {
    const deaf = join(fixture('ping-deaf'), 'ping');
    const t0 = performance.now();
    const result = await createProbe(deaf)({ host: '127.0.0.1', count: 1, timeoutMs: 100 }).result;
    assert.deepEqual(result, { status: 'error', error: 'timeout' });
    const bound = killDelayMs(100) + interruptGraceMs(100) + CLOSE_GRACE_MS;
    assert.ok(
      performance.now() - t0 < bound + 2000,
      'ended within its bounds (with slack for load)',
    );
    await waitFor('no stand-in left', () => processesMatching(deaf).length === 0);
  });

  it("a spawn that cannot start is that probe's error, not a crash", async () => {
    const result = await createProbe('/nonexistent/ping')({
      host: '127.0.0.1',
      count: 1,
      timeoutMs: 100,
    }).result;
    assert.deepEqual(result, {
      status: 'error',
      error: 'cannot run /nonexistent/ping: no such file or directory',
    });
  });
});
