import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

// Local time in the formats is the daemon's time zone; pin one with an offset for the tests.
process.env.TZ = 'Asia/Shanghai';
const { ctime, formatEnd, formatStart, localIso } = await import(
  '../../../src/ping-log/line-format.js'
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
});

describe('text format', () => {
  it('writes the start line of SPEC §3', () => {
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
});
