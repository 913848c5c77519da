import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeState } from '../../../src/commands/status.js';
import { type DaemonState, fromStateFile, toStateFile } from '../../../src/lifecycle/state-file.js';
import { localIso } from '../../../src/ping-log/format.js';

/** The state as `status` reads it from the file the daemon wrote. */
function readBack(state: DaemonState): DaemonState {
  const read = fromStateFile(JSON.parse(JSON.stringify(toStateFile(state))));
  assert.ok(read);
  return read;
}

/** An ISO time as status prints it: in the local zone, with its offset. */
const L = (iso: string): string => localIso(new Date(iso));

describe('describeState', () => {
  it('shows the schedule, the current state, the last probe and the counts', () => {
    const state: DaemonState = {
      pid: 42,
      startedAt: new Date('2026-11-24T12:00:00.000Z'),
      invocation: undefined,
      targets: [
        { host: '127.0.0.1', intervalMs: 3000, timeoutMs: 2000, count: 1 },
        { host: '::1', intervalMs: 3000, timeoutMs: 2000, count: 1 },
      ],
      prober: 'ping',
      format: 'text',
      logFile: '/home/ping.log',
      historyDir: null,
      vantage: 'eu-1',
      serviceLog: null,
      configFile: null,
      reloads: 1,
      lastReload: { time: new Date('2026-11-24T12:30:00.000Z'), ok: false, error: 'bad' },
      stats: {
        lostLines: 0,
        hosts: {
          '127.0.0.1': {
            probes: 1200,
            skipped: 1,
            missed: 0,
            up: 1190,
            down: 8,
            error: 2,
            last: {
              time: new Date('2026-11-24T12:59:57.000Z'),
              seq: 1200,
              result: { status: 'up', rttMs: 0.04, lossPct: 0 },
            },
            state: 'up',
            stateSince: new Date('2026-11-24T12:10:00.000Z'),
          },
        },
      },
      health: {
        '127.0.0.1': {
          state: 'degraded',
          since: new Date('2026-11-24T12:20:00.000Z'),
          reason: 'median rtt 312 ms >= 200 ms over the last 20 probes',
          changes: 2,
        },
        '::1': { state: 'unknown', since: undefined, reason: undefined, changes: 0 },
      },
      channels: [
        {
          name: 'webhook:hooks.test#1a2b3c',
          kind: 'webhook',
          queued: 2,
          delivered: 5,
          failed: 1,
          dropped: 0,
          last: {
            ok: false,
            detail: 'no answer within 10s (3 tries)',
            at: '2026-11-24T12:58:00.000Z',
          },
        },
      ],
    };
    assert.deepEqual(describeState(42, readBack(state), new Date('2026-11-24T13:00:00.000Z')), [
      `ping-daemon is running (pid 42) since ${L('2026-11-24T12:00:00.000Z')}, up 1h`,
      '  pinging 2 hosts (127.0.0.1, ::1) every 3s from eu-1, logging to /home/ping.log',
      `  127.0.0.1: degraded since ${L('2026-11-24T12:20:00.000Z')} (40m): median rtt 312 ms >= 200 ms over the last 20 probes`,
      `    last probe #1200 at ${L('2026-11-24T12:59:57.000Z')}: up, rtt 40 µs, loss 0%`,
      '    1200 probes: 1190 up, 8 down, 2 errors; 1 skipped (every 3s, timeout 2s)',
      '  ::1: no probe yet (every 3s, timeout 2s)',
      `  channel webhook:hooks.test#1a2b3c: 5 delivered, 1 failed, 0 dropped, 2 waiting; last failed at ${L('2026-11-24T12:58:00.000Z')} (2m): no answer within 10s (3 tries)`,
      `  last reload at ${L('2026-11-24T12:30:00.000Z')}: failed: bad`,
    ]);
    // The fleet prober is named; ping, the default, is not.
    assert.equal(
      describeState(42, readBack({ ...state, prober: 'fping' }), new Date())[1],
      '  pinging 2 hosts (127.0.0.1, ::1) every 3s with fping from eu-1, logging to /home/ping.log',
    );
    // Which prober runs, and why, on a line of its own (a daemon from before `auto` has none).
    assert.equal(
      describeState(
        42,
        readBack({ ...state, prober: 'fping', proberWhy: 'auto: 120 hosts, fping from 10' }),
        new Date(),
      )[2],
      '  prober: fping (auto: 120 hosts, fping from 10)',
    );
    // A daemon from before host states: the run of its last probes' results.
    const older = readBack({ ...state, health: {} });
    assert.equal(
      describeState(42, older, new Date('2026-11-24T13:00:00.000Z'))[2],
      `  127.0.0.1: up since ${L('2026-11-24T12:10:00.000Z')} (50m)`,
    );
  });
});
