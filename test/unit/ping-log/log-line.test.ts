import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatEnd, formatStart } from '../../../src/ping-log/line-format.js';
import { parseCtime, parseLogLine } from '../../../src/ping-log/log-line.js';
import type { ProbeResult } from '../../../src/probing/ping-result.js';

const time = new Date('2026-11-24T12:15:03.029Z');
const results: ProbeResult[] = [
  { status: 'up', rttMs: 27.8, lossPct: 0 },
  { status: 'down', lossPct: 100 },
  { status: 'error', error: 'unknown host' },
  { status: 'error', error: 'a "quoted"\nthing=1' },
];

describe('parseLogLine', () => {
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
