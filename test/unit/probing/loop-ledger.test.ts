import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LoopLedger,
  type LoopReport,
  SILENCE_GRACE_MS,
  STARTUP_MS,
} from '../../../src/probing/loop-ledger.js';

const timing = { periodMs: 1000, timeoutMs: 500, gapMs: 10, count: 1 };
const T0 = 1_000_000;

/** A reply from `host` for fping's packet `seq`, sent at `sentAt`. */
const reply = (host: string, seq: number, sentAt: number, rttMs = 1) => ({
  host,
  seq,
  sentAt,
  at: sentAt + rttMs,
  rttMs,
});
/** fping's timeout line for packet `seq` of `host`. */
const lost = (host: string, seq: number, sentAt: number) => ({
  host,
  seq,
  sentAt,
  at: sentAt + timing.timeoutMs,
});
const brief = (reports: LoopReport[]) =>
  reports.map((r) => [r.host, r.sentAt, r.result.status, r.result.error ?? r.result.rttMs]);

describe('LoopLedger', () => {
  it('makes a tick of each packet fping reports, in the time the request went', () => {
    const ledger = new LoopLedger(timing, ['a', 'b']);
    ledger.started(T0, 'starting');
    assert.deepEqual(brief(ledger.packet(reply('a', 0, T0 + 5), T0 + 6)), [['a', T0 + 5, 'up', 1]]);
    assert.deepEqual(brief(ledger.packet(lost('b', 0, T0 + 15), T0 + 515)), [
      ['b', T0 + 15, 'down', undefined],
    ]);
    // A repeat of a packet already reported, or one of a host it does not have, is nothing.
    assert.deepEqual(ledger.packet(reply('a', 0, T0 + 5), T0 + 600), []);
    assert.deepEqual(ledger.packet(reply('zz', 0, T0 + 5), T0 + 600), []);
  });

  it('waits for a new fping to resolve its names before it calls anything overdue', () => {
    const ledger = new LoopLedger(timing, ['a']);
    ledger.started(T0, 'starting');
    assert.deepEqual(ledger.overdue(T0 + STARTUP_MS, 'x'), []);
    const late = T0 + STARTUP_MS + timing.timeoutMs + SILENCE_GRACE_MS + 1;
    assert.deepEqual(brief(ledger.overdue(late, 'echo request not sent')), [
      ['a', T0 + STARTUP_MS, 'error', 'echo request not sent'],
    ]);
  });

  it('reports the packets fping stays silent about, one tick per period', () => {
    const ledger = new LoopLedger(timing, ['a', 'b']);
    ledger.started(T0, 'starting');
    ledger.packet(reply('a', 0, T0), T0 + 1);
    // b's first packet was due a gap after a's; nothing of it for three periods and the grace.
    const now = T0 + 3000 + timing.timeoutMs + SILENCE_GRACE_MS;
    assert.deepEqual(brief(ledger.overdue(now, 'echo request not sent')), [
      ['a', T0 + 1000, 'error', 'echo request not sent'],
      ['a', T0 + 2000, 'error', 'echo request not sent'],
      ['b', T0 + 10, 'error', 'echo request not sent'],
      ['b', T0 + 1010, 'error', 'echo request not sent'],
      ['b', T0 + 2010, 'error', 'echo request not sent'],
    ]);
  });

  it('fills the packets fping skipped over (sends that failed) before the one it reports', () => {
    const ledger = new LoopLedger(timing, ['a']);
    ledger.started(T0, 'starting');
    ledger.packet(reply('a', 0, T0), T0 + 1);
    assert.deepEqual(brief(ledger.packet(reply('a', 3, T0 + 3000), T0 + 3001)), [
      ['a', T0 + 1000, 'error', 'echo request not sent'],
      ['a', T0 + 2000, 'error', 'echo request not sent'],
      ['a', T0 + 3000, 'up', 1],
    ]);
  });

  it('turns a timeout after an ICMP error into that error', () => {
    const ledger = new LoopLedger(timing, ['10.0.0.9']);
    ledger.started(T0, 'starting');
    ledger.icmpError('10.0.0.9', 'host unreachable');
    assert.deepEqual(brief(ledger.packet(lost('10.0.0.9', 0, T0), T0 + 500)), [
      ['10.0.0.9', T0, 'error', 'host unreachable'],
    ]);
    assert.deepEqual(brief(ledger.packet(lost('10.0.0.9', 1, T0 + 1000), T0 + 1500)), [
      ['10.0.0.9', T0 + 1000, 'down', undefined],
    ]);
  });

  it('makes one tick of `count` packets', () => {
    const ledger = new LoopLedger({ ...timing, periodMs: 250, count: 3 }, ['a']);
    ledger.started(T0, 'starting');
    assert.deepEqual(ledger.packet(reply('a', 0, T0, 1), T0 + 1), []);
    assert.deepEqual(ledger.packet(lost('a', 1, T0 + 250), T0 + 750), []);
    const [tick] = ledger.packet(reply('a', 2, T0 + 500, 3), T0 + 503);
    assert.deepEqual(tick, {
      host: 'a',
      sentAt: T0,
      endedAt: T0 + 503,
      result: {
        ...{ status: 'up', rttMs: 2, lossPct: 33.333, sent: 3, replies: 2 },
        ...{ rttMinMs: 1, rttMaxMs: 3, rttMdevMs: 1 },
      },
    });
  });

  it('reports a name fping dropped as that error, every period, until it resolves', () => {
    const ledger = new LoopLedger(timing, ['name.test']);
    ledger.started(T0, 'starting');
    ledger.unresolved('name.test', 'unknown host', T0 + 100);
    // Due at T0 + 100 (when fping said so), overdue a timeout and the grace later.
    assert.deepEqual(brief(ledger.overdue(T0 + 3101, 'loop down')), [
      ['name.test', T0 + 100, 'error', 'unknown host'],
      ['name.test', T0 + 1100, 'error', 'unknown host'],
    ]);
    // The loop starts again: the name's cadence goes on meanwhile; then it resolves, and
    // counting follows the new fping's numbers.
    ledger.started(T0 + 3101, 'loop down');
    assert.deepEqual(brief(ledger.overdue(T0 + 4101, 'loop down')), [
      ['name.test', T0 + 2100, 'error', 'unknown host'],
    ]);
    assert.deepEqual(brief(ledger.packet(reply('name.test', 0, T0 + 4200), T0 + 4201)), [
      ['name.test', T0 + 4200, 'up', 1],
    ]);
    assert.deepEqual(brief(ledger.packet(reply('name.test', 1, T0 + 5200), T0 + 5201)), [
      ['name.test', T0 + 5200, 'up', 1],
    ]);
    assert.deepEqual(ledger.overdue(T0 + 6000, 'loop down'), []);
  });

  it('names the hosts it stayed silent about, and says why once the prober knows', () => {
    const ledger = new LoopLedger(timing, ['a', 'b']);
    ledger.started(T0, 'starting');
    ledger.packet(reply('a', 0, T0), T0 + 1);
    ledger.packet(reply('b', 0, T0 + 10), T0 + 11);
    ledger.packet(reply('a', 1, T0 + 1000), T0 + 1001);
    ledger.packet(reply('a', 2, T0 + 2000), T0 + 2001);
    ledger.overdue(T0 + 2010 + timing.timeoutMs + SILENCE_GRACE_MS + 1, 'echo request not sent');
    assert.deepEqual(ledger.silentHosts(3), []);
    ledger.packet(reply('a', 3, T0 + 3000), T0 + 3001);
    ledger.overdue(T0 + 3010 + timing.timeoutMs + SILENCE_GRACE_MS + 1, 'echo request not sent');
    assert.deepEqual(ledger.silentHosts(3), ['b']);
    ledger.trouble('b', 'network unreachable');
    assert.deepEqual(ledger.silentHosts(3), []);
    assert.deepEqual(
      brief(ledger.overdue(T0 + 4010 + timing.timeoutMs + SILENCE_GRACE_MS + 1, 'x')).filter(
        ([host]) => host === 'b',
      ),
      [['b', T0 + 4010, 'error', 'network unreachable']],
    );
    // It speaks again: the trouble is over.
    ledger.packet(reply('b', 5, T0 + 5010), T0 + 5011);
    assert.ok(!ledger.silentHosts(1).includes('b'));
  });

  it('after a step of the clock, a new fping reports nothing for the time that seemed to pass', () => {
    const ledger = new LoopLedger(timing, ['a']);
    ledger.started(T0, 'starting');
    ledger.packet(reply('a', 0, T0), T0 + 1);
    // The clock jumped an hour ahead: the loop starts again, no hour of errors.
    assert.deepEqual(ledger.started(T0 + 3_600_500, 'the wall clock stepped', false), []);
    assert.deepEqual(ledger.overdue(T0 + 3_600_600, 'x'), []);
  });

  it('reports the packets due while no fping ran as errors, when the next one starts', () => {
    const ledger = new LoopLedger(timing, ['a']);
    ledger.started(T0, 'starting');
    ledger.packet(reply('a', 0, T0), T0 + 1);
    // fping died at T0 + 500; the next starts 2.2 s later.
    assert.deepEqual(brief(ledger.started(T0 + 2700, 'fping killed by SIGKILL')), [
      ['a', T0 + 1000, 'error', 'fping killed by SIGKILL'],
      ['a', T0 + 2000, 'error', 'fping killed by SIGKILL'],
    ]);
  });

  it('ends a tick under way with what it had when its fping goes', () => {
    const ledger = new LoopLedger({ ...timing, count: 2 }, ['a']);
    ledger.started(T0, 'starting');
    ledger.packet(reply('a', 0, T0), T0 + 1);
    assert.deepEqual(brief(ledger.started(T0 + 600, 'fping killed by SIGKILL')), [
      ['a', T0, 'up', 1],
    ]);
    ledger.packet(lost('a', 0, T0 + 700), T0 + 1200);
    assert.deepEqual(brief(ledger.close(T0 + 1300, 'stopped by shutdown')), [
      ['a', T0 + 700, 'error', 'stopped by shutdown'],
    ]);
  });

  it('is settled once every packet sent before the cut is reported', () => {
    const ledger = new LoopLedger(timing, ['a', 'b']);
    ledger.started(T0, 'starting');
    ledger.packet(reply('a', 0, T0), T0 + 1);
    ledger.packet(reply('b', 0, T0 + 10), T0 + 11);
    ledger.cut(T0 + 1500);
    assert.equal(ledger.settled, false);
    ledger.packet(reply('a', 1, T0 + 1000), T0 + 1001);
    assert.equal(ledger.settled, false);
    ledger.packet(reply('b', 1, T0 + 1010), T0 + 1011);
    assert.equal(ledger.settled, true);
    // Packets sent after the cut are not reported.
    assert.deepEqual(ledger.packet(reply('a', 2, T0 + 2000), T0 + 2001), []);
  });

  it('is settled by a packet sent after the cut, though it is not reported', () => {
    const ledger = new LoopLedger(timing, ['a']);
    ledger.started(T0, 'starting');
    ledger.packet(reply('a', 0, T0), T0 + 1);
    // The cut falls just before packet 1 went (fping's sends are not exactly on time).
    ledger.cut(T0 + 999);
    assert.deepEqual(ledger.packet(reply('a', 1, T0 + 1000.5), T0 + 1002), []);
    assert.equal(ledger.settled, true);
    assert.deepEqual(ledger.overdue(T0 + 10_000, 'x'), []);
  });
});
