import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  fpingArguments,
  loopGapMs,
  parseNotice,
  parsePacketLine,
  splitLines,
  tickResult,
} from '../../../src/probing/fping-output.js';

// Outputs of fping 5.1 (Debian 12, LANG=C) recorded in a network namespace: 127.0.0.1, ::1 and
// localhost answer, 10.99.0.1 is routed to nowhere (silent), 10.10.0.1 has no route, 10.98.0.7
// is on a link where nobody answers ARP (ICMP host unreachable), nosuch.invalid does not resolve.
const recorded = (name: string): string[] =>
  readFileSync(new URL(`../../fixtures/fping-recorded/${name}`, import.meta.url), 'latin1')
    .split('\n')
    .filter((line) => line !== '');

describe('fpingArguments', () => {
  const timing = { periodMs: 1000, timeoutMs: 800, gapMs: 0.5 };

  it('loops with stamps and RTTs, then the hosts after --', () => {
    assert.deepEqual(fpingArguments(timing, {}, ['127.0.0.1', 'example.test']), [
      ...['-l', '-D', '-e', '-p', '1000', '-t', '800', '-i', '0.5'],
      ...['--', '127.0.0.1', 'example.test'],
    ]);
  });

  it("maps each probe option onto fping's own, each value its own argument", () => {
    const args = fpingArguments(timing, { family: 6, size: 100, ttl: 5, tos: 16, source: '::1' }, [
      'h',
    ]);
    assert.deepEqual(args.slice(9), [
      ...['-6', '-b', '100', '-H', '5', '-O', '16', '-S', '::1'],
      ...['--', 'h'],
    ]);
    assert.deepEqual(fpingArguments(timing, { source: '10.0.0.1' }, ['h']).slice(9, 11), [
      '-S',
      '10.0.0.1',
    ]);
    assert.deepEqual(fpingArguments(timing, { source: 'eth0' }, ['h']).slice(9, 11), [
      '-I',
      'eth0',
    ]);
  });
});

describe('loopGapMs', () => {
  it('spreads a round over half the period, between 0.1 and 1 ms', () => {
    assert.equal(loopGapMs(1000, 1), 1);
    assert.equal(loopGapMs(1000, 100), 1);
    assert.equal(loopGapMs(1000, 1000), 0.5);
    assert.equal(loopGapMs(1000, 100_000), 0.1);
    assert.equal(loopGapMs(50, 300), 0.1);
  });
});

describe('splitLines', () => {
  it('gives the complete lines and keeps the partial one for the next chunk', () => {
    assert.deepEqual(splitLines('a\nb\nc'), { lines: ['a', 'b'], rest: 'c' });
    assert.deepEqual(splitLines('a\n'), { lines: ['a'], rest: '' });
    assert.deepEqual(splitLines(''), { lines: [], rest: '' });
  });

  it('drops a partial line longer than any of fping', () => {
    assert.deepEqual(splitLines(`a\n${'x'.repeat(5000)}`), { lines: ['a'], rest: '' });
  });
});

describe('parsePacketLine', () => {
  const lines = recorded('loop.stdout.txt');

  it('reads every line of a recorded loop', () => {
    const packets = lines.map((line) => parsePacketLine(line, 800));
    assert.ok(packets.every((p) => p !== undefined));
    assert.deepEqual(
      new Set(packets.map((p) => p?.host)),
      new Set(['127.0.0.1', '::1', 'localhost', '10.99.0.1', '10.98.0.7']),
    );
  });

  it('puts the send time before the stamp by the RTT', () => {
    assert.deepEqual(parsePacketLine(lines[0] as string, 800), {
      host: '127.0.0.1',
      seq: 0,
      sentAt: 1796049575413.36 - 0.072,
      at: 1796049575413.36,
      rttMs: 0.072,
    });
  });

  it('reads a padded IPv6 host', () => {
    assert.equal(parsePacketLine(lines[1] as string, 800)?.host, '::1');
  });

  it('puts a timeout the timeout before its stamp, without an RTT', () => {
    const timedOut = lines.find((l) => l.includes('10.99.0.1 : [2]')) as string;
    assert.deepEqual(parsePacketLine(timedOut, 800), {
      host: '10.99.0.1',
      seq: 2,
      sentAt: 1796049578244.72 - 800,
      at: 1796049578244.72,
    });
  });

  it('ignores what is not a packet', () => {
    for (const line of [
      '',
      '127.0.0.1 : xmt/rcv/%loss = 2/2/0%, min/avg/max = 0.033/0.044/0.054',
      '[1796049575.41336] 127.0.0.1 : duplicate for [0], 64 bytes, 0.072 ms',
      'garbage',
    ]) {
      assert.equal(parsePacketLine(line, 800), undefined, line);
    }
  });
});

describe('parseNotice', () => {
  const hosts = new Set(['nosuch.invalid', '10.98.0.7', '127.0.0.1']);

  it('tells a name that does not resolve, in the words ping gets', () => {
    assert.deepEqual(parseNotice(recorded('loop.stderr.txt')[0] as string, hosts), {
      kind: 'host',
      host: 'nosuch.invalid',
      error: 'name resolution failed',
    });
    assert.deepEqual(parseNotice(recorded('all-unknown.exit2.stderr.txt')[0] as string, hosts), {
      kind: 'host',
      host: 'nosuch.invalid',
      error: 'unknown host',
    });
    assert.deepEqual(parseNotice(recorded('no-family.exit2.stderr.txt')[0] as string, hosts), {
      kind: 'host',
      host: '127.0.0.1',
      error: 'no address of that family',
    });
  });

  it('reads an ICMP error for the address it was sent to', () => {
    assert.deepEqual(parseNotice(recorded('loop.stderr.txt')[1] as string, hosts), {
      kind: 'icmp',
      addr: '10.98.0.7',
      error: 'host unreachable',
    });
  });

  it("keeps fping's complaints about itself", () => {
    assert.deepEqual(parseNotice(recorded('bad-source.exit4.stderr.txt')[0] as string, hosts), {
      kind: 'other',
      text: 'cannot bind source address : Cannot assign requested address',
    });
    assert.equal(parseNotice('other.host: something', hosts).kind, 'other');
  });
});

describe('tickResult', () => {
  it('is up with any reply, with the figures ping -c would give', () => {
    assert.deepEqual(tickResult({ sentAt: 0, rtts: [1, 3], lost: 1 }), {
      status: 'up',
      rttMs: 2,
      lossPct: 33.333,
      sent: 3,
      replies: 2,
      rttMinMs: 1,
      rttMaxMs: 3,
      rttMdevMs: 1,
    });
  });

  it('is down when every echo request went unanswered', () => {
    assert.deepEqual(tickResult({ sentAt: 0, rtts: [], lost: 2 }), {
      status: 'down',
      lossPct: 100,
      sent: 2,
      replies: 0,
    });
  });

  it('is an error when we know why nothing came back', () => {
    assert.deepEqual(tickResult({ sentAt: 0, rtts: [], lost: 1, error: 'host unreachable' }), {
      status: 'error',
      error: 'host unreachable',
    });
    assert.equal(tickResult({ sentAt: 0, rtts: [0.5], lost: 1, error: 'x' }).status, 'up');
  });
});
