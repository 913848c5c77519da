import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProbeResult } from '../../../src/probing/ping-result.js';

// Local time in the formats is the daemon's time zone; pin one with an offset for the tests.
process.env.TZ = 'Asia/Shanghai';
const { ctime, formatEnd, formatStart, localIso, parseCtime, parseLogLine } = await import(
  '../../../src/ping-log/format.js'
);

const t = new Date('2026-11-24T12:15:03.001Z'); // 20:15:03.001 in Shanghai
const t2 = new Date('2026-11-04T12:15:03.029Z');

describe('ctime', () => {
  it('matches C ctime(), day padded with a space', () => {
    assert.equal(ctime(t), 'Tue Nov 24 20:15:03 2026');
    assert.equal(ctime(t2), 'Wed Nov  4 20:15:03 2026');
  });
});

describe('localIso', () => {
  it('gives local time with milliseconds and the offset', () => {
    assert.equal(localIso(t), '2026-11-24T20:15:03.001+08:00');
  });
  it('is right for each of many times, within one second and across seconds and days', () => {
    // It keeps the text of the last second it wrote: every change of second must show.
    const base = t.getTime();
    for (const d of [0, 998, 999, 1000, 1001, -1, -1000, 86_400_000, 86_400_999, 0]) {
      const at = new Date(base + d);
      const shanghai = new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 23);
      assert.equal(localIso(at), `${shanghai}+08:00`);
    }
    assert.equal(localIso(new Date(Number.NaN)), 'Invalid Date');
  });
});

describe('text format', () => {
  it('writes the start line of docs/log-format.md', () => {
    assert.equal(
      formatStart('text', { time: t, host: 'www.host.test', seq: 42 }),
      'start time---------:2026-11-24T20:15:03.001+08:00 host=www.host.test seq=42\n',
    );
  });
  it('writes up, down and error end lines', () => {
    const e = { time: t2, host: 'www.host.test', seq: 42, durationMs: 28 };
    assert.equal(
      formatEnd('text', { ...e, result: { status: 'up', rttMs: 27.8, lossPct: 0 } }),
      'end of time--------:2026-11-04T20:15:03.029+08:00 host=www.host.test seq=42 status=up rtt_ms=27.8 loss=0%\n',
    );
    assert.equal(
      formatEnd('text', { ...e, result: { status: 'down', lossPct: 100 } }),
      'end of time--------:2026-11-04T20:15:03.029+08:00 host=www.host.test seq=42 status=down loss=100%\n',
    );
    assert.equal(
      formatEnd('text', {
        ...e,
        host: 'nosuch.test',
        result: { status: 'error', error: 'unknown host' },
      }),
      'end of time--------:2026-11-04T20:15:03.029+08:00 host=nosuch.test seq=42 status=error error="unknown host"\n',
    );
  });
  it('quotes an error holding quotes or newlines so a line stays one line', () => {
    const line = formatEnd('text', {
      time: t,
      host: 'h',
      seq: 1,
      durationMs: 1,
      result: { status: 'error', error: 'a "b"\nc' },
    });
    assert.ok(line.endsWith('error="a \\"b\\"\\nc"\n'));
    assert.equal(line.split('\n').length, 2);
  });
});

describe('classic format', () => {
  it("writes exactly the tutorial's lines", () => {
    assert.equal(
      formatStart('classic', { time: t, host: 'h', seq: 1 }),
      'start time---------:Tue Nov 24 20:15:03 2026\n',
    );
    assert.equal(
      formatEnd('classic', {
        time: t2,
        host: 'h',
        seq: 1,
        durationMs: 3,
        result: { status: 'down', lossPct: 100 },
      }),
      'end of time--------:Wed Nov  4 20:15:03 2026\n',
    );
  });
});

describe('json format', () => {
  it('writes one object per line, UTC times, numbers as numbers', () => {
    assert.equal(
      formatStart('json', { time: t, host: 'www.host.test', seq: 42 }),
      '{"time":"2026-11-24T12:15:03.001Z","event":"start","host":"www.host.test","seq":42}\n',
    );
    const end = formatEnd('json', {
      time: t2,
      host: 'www.host.test',
      seq: 42,
      durationMs: 27.6,
      result: { status: 'up', rttMs: 27.8, lossPct: 0 },
    });
    assert.equal(
      end,
      '{"time":"2026-11-04T12:15:03.029Z","event":"end","host":"www.host.test","seq":42,"status":"up","rtt_ms":27.8,"loss_pct":0,"duration_ms":28}\n',
    );
    const error = JSON.parse(
      formatEnd('json', {
        time: t2,
        host: 'h',
        seq: 1,
        durationMs: 1,
        result: { status: 'error', error: 'timeout' },
      }),
    );
    assert.deepEqual(error, {
      time: '2026-11-04T12:15:03.029Z',
      event: 'end',
      host: 'h',
      seq: 1,
      status: 'error',
      error: 'timeout',
      duration_ms: 1,
    });
  });

  it('names the vantage after the host, and reads it back', () => {
    const start = formatStart('json', { time: t, host: 'h.test', vantage: 'fra-1', seq: 7 });
    assert.equal(
      start,
      '{"time":"2026-11-24T12:15:03.001Z","event":"start","host":"h.test","vantage":"fra-1","seq":7}\n',
    );
    const end = formatEnd('json', {
      ...{ time: t2, host: 'h.test', vantage: 'fra-1', seq: 7, durationMs: 3 },
      result: { status: 'down', lossPct: 100, sent: 1, replies: 0 },
    });
    assert.match(
      end,
      /^\{"time":"[^"]+","event":"end","host":"h\.test","vantage":"fra-1","seq":7,/,
    );
    assert.equal(parseLogLine(end)?.vantage, 'fra-1');
    // The text formats have no room for it: the file is the vantage's own.
    assert.doesNotMatch(
      formatStart('text', { time: t, host: 'h.test', vantage: 'fra-1', seq: 7 }),
      /fra-1/,
    );
  });
});

const time = new Date('2026-11-24T12:15:03.029Z');
const results: ProbeResult[] = [
  { status: 'up', rttMs: 27.8, lossPct: 0 },
  { status: 'down', lossPct: 100 },
  { status: 'error', error: 'unknown host' },
  { status: 'error', error: 'a "quoted"\nthing=1' },
  { status: 'error', error: 'Zielhost nicht erreichbar — ü' },
];

describe('parseLogLine', () => {
  it('reads back a text line whose host and address are beyond ASCII', () => {
    const host = 'bücher.пример';
    const result: ProbeResult = { status: 'up', rttMs: 0.045, lossPct: 0, addr: '192.0.2.7' };
    const line = formatEnd('text', { time, host, seq: 12345, result, durationMs: 1 });
    assert.match(
      line,
      / host="bücher.пример" seq=12345 status=up rtt_ms=0.045 loss=0% addr=192.0.2.7\n$/,
    );
    const e = parseLogLine(line.trimEnd());
    assert.deepEqual([e?.host, e?.seq, e?.rttMs, e?.addr], [host, 12345, 0.045, '192.0.2.7']);
  });

  for (const format of ['text', 'json'] as const) {
    it(`reads back every ${format} line the daemon writes`, () => {
      const start = parseLogLine(formatStart(format, { time, host: '::1', seq: 7 }).trimEnd());
      assert.deepEqual(
        { ...start, time: start?.time?.getTime() },
        {
          ...start,
          time: time.getTime(),
          event: 'start',
          host: '::1',
          seq: 7,
        },
      );
      for (const result of results) {
        const line = formatEnd(format, {
          time,
          host: 'h.test',
          seq: 8,
          result,
          durationMs: 28,
        }).trimEnd();
        const e = parseLogLine(line);
        assert.equal(e?.time?.getTime(), time.getTime());
        assert.deepEqual(
          {
            event: e?.event,
            host: e?.host,
            seq: e?.seq,
            status: e?.status,
            rttMs: e?.rttMs,
            lossPct: e?.lossPct,
            error: e?.error,
          },
          {
            event: 'end',
            host: 'h.test',
            seq: 8,
            ...{ rttMs: undefined, lossPct: undefined, error: undefined },
            ...result,
          },
        );
      }
    });
  }

  it('reads classic lines: time and event only', () => {
    const e = parseLogLine(formatStart('classic', { time, host: 'h', seq: 1 }).trimEnd());
    assert.equal(e?.event, 'start');
    assert.equal(e?.host, undefined);
    assert.equal(e?.time?.getTime(), Math.floor(time.getTime() / 1000) * 1000);
  });

  it('ignores what is not a log line', () => {
    for (const line of ['', 'hello', '{"event":"other"}', '{broken', 'start time']) {
      assert.equal(parseLogLine(line), undefined, line);
    }
  });
});

describe('parseCtime', () => {
  it('reads a space-padded day', () => {
    assert.equal(
      parseCtime('Wed Nov  4 20:15:03 2026')?.getTime(),
      new Date(2026, 10, 4, 20, 15, 3).getTime(),
    );
    assert.equal(parseCtime('Wed Foo  4 20:15:03 2026'), undefined);
  });
});

describe('round trip: every line written reads back as what was written', () => {
  const hosts = ['127.0.0.1', '::1', 'db-01.example.test', 'h"x y=z'];
  const many: ProbeResult[] = [
    ...results,
    { status: 'up', rttMs: 0.042, lossPct: 0 },
    { status: 'up', rttMs: 1234.5, lossPct: 66.7 },
    { status: 'error', error: 'timeout (name resolution)' },
    // A name resolved, three packets: the address and ping's own figures go on the line.
    {
      status: 'up',
      rttMs: 5.1,
      lossPct: 33.3,
      ...{ addr: '192.0.2.7', sent: 3, replies: 2 },
      ...{ rttMinMs: 4.25, rttMaxMs: 6, rttMdevMs: 0.875 },
    },
    { status: 'down', lossPct: 100, addr: '2001:db8::7', sent: 1, replies: 0 },
  ];
  // Times on both sides of a second, a month end and the year's turn, in Shanghai.
  const times = ['2026-12-31T15:59:59.999Z', '2026-02-28T16:00:00.000Z', '2026-06-01T00:00:00.5Z'];
  for (const format of ['classic', 'text', 'json'] as const) {
    it(format, () => {
      for (const host of hosts) {
        for (const iso of times) {
          const time = new Date(iso);
          // Classic lines keep whole seconds; the others keep milliseconds.
          const kept = format === 'classic' ? Math.floor(time.getTime() / 1000) * 1000 : +time;
          const start = parseLogLine(formatStart(format, { time, host, seq: 3 }).trimEnd());
          assert.equal(start?.event, 'start');
          assert.equal(start?.time?.getTime(), kept);
          for (const result of many) {
            const written = formatEnd(format, { time, host, seq: 4, result, durationMs: 12.4 });
            assert.equal(written.split('\n').length, 2, 'one line');
            const e = parseLogLine(written.trimEnd());
            assert.equal(e?.time?.getTime(), kept);
            assert.equal(e?.event, 'end');
            if (format === 'classic') continue;
            assert.deepEqual(
              [e?.host, e?.seq, e?.status, e?.rttMs, e?.lossPct, e?.error],
              [host, 4, result.status, result.rttMs, result.lossPct, result.error],
            );
            assert.equal(e?.durationMs, format === 'json' ? 12 : undefined);
            // The address is said for a name only; ping's figures for more than one packet;
            // the counts in JSON only.
            const name = !/^[\d.]+$|:/.test(host);
            assert.equal(e?.addr, name ? result.addr : undefined);
            const several = (result.sent ?? 0) > 1;
            assert.deepEqual(
              [e?.rttMinMs, e?.rttMaxMs, e?.rttMdevMs],
              several
                ? [result.rttMinMs, result.rttMaxMs, result.rttMdevMs]
                : [undefined, undefined, undefined],
            );
            assert.deepEqual(
              [e?.sent, e?.replies],
              format === 'json' ? [result.sent, result.replies] : [undefined, undefined],
            );
          }
        }
      }
    });
  }
});
