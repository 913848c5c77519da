import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  fpingArguments,
  loopGapMs,
  type PacketLine,
  packetResult,
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

  it('reads numbers exactly as Number() does, and every cut line as the pattern it replaced', () => {
    // The regular expression it was: the hand-written reader must agree with it on every line.
    const pattern =
      /^\[(\d+(?:\.\d+)?)\] (\S+) *: \[(\d+)\], (?:\d+ bytes, (\d+(?:\.\d+)?) ms|timed out)/;
    const byPattern = (line: string): PacketLine | undefined => {
      const m = pattern.exec(line);
      if (!m) return undefined;
      const stamp = Number(m[1]) * 1000;
      const host = m[2] as string;
      if (m[4] === undefined) return { host, seq: Number(m[3]), sentAt: stamp - 800, at: stamp };
      const rttMs = Number(m[4]);
      return { host, seq: Number(m[3]), sentAt: stamp - rttMs, at: stamp, rttMs };
    };
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const made: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const stamp = `${1796049194 + random(10 ** 6)}.${String(random(10 ** 5)).padStart(5, '0')}`;
      const rtt = [`${random(2000)}.${String(random(1000)).padStart(3, '0')}`, `${random(99)}`][
        random(2)
      ];
      const host = ['127.0.0.1', '::1', 'a-long-name.example.test', 'x'][random(4)];
      const pad = ' '.repeat(random(3));
      made.push(
        random(5) === 0
          ? `[${stamp}] ${host}${pad} : [${random(10 ** 7)}], timed out (NaN avg, 100% loss)`
          : `[${stamp}] ${host}${pad} : [${random(10 ** 7)}], 64 bytes, ${rtt} ms (${rtt} avg, 0% loss)`,
      );
    }
    made.push('[179604919412345678901234.5] h : [1], 64 bytes, 0.1234567890123456789 ms');
    made.push('[179604919412345678901234] h : [12345678901234567891], 64 bytes, 17 ms');
    made.push('[1796049194.1] h : [0], 64 bytes, 0.00000000000000000000000123 ms');
    for (const line of [...lines, ...made]) {
      assert.ok(parsePacketLine(line, 800), line);
      for (let cut = 0; cut <= Math.min(line.length, 80); cut++) {
        const part = line.slice(0, cut);
        assert.deepEqual(parsePacketLine(part, 800), byPattern(part), part);
      }
    }
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

describe('packetResult', () => {
  it('is tickResult of a tick of one packet, key for key', () => {
    for (const rtt of [0.039, 0.0405, 12.3456, 0, 1999.9995]) {
      const tick = tickResult({ sentAt: 0, rtts: [rtt], lost: 0, error: 'ignored' });
      assert.deepEqual(Object.entries(packetResult(rtt, undefined)), Object.entries(tick));
    }
    assert.deepEqual(
      packetResult(undefined, undefined),
      tickResult({ sentAt: 0, rtts: [], lost: 1 }),
    );
    assert.deepEqual(
      packetResult(undefined, 'no route to host'),
      tickResult({ sentAt: 0, rtts: [], lost: 1, error: 'no route to host' }),
    );
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
