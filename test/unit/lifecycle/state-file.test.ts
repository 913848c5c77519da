import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type DaemonState,
  fromStateFile,
  readState,
  STATE_VERSION,
  stateJson,
  toStateFile,
  writeState,
} from '../../../src/lifecycle/state-file.js';
import type { HostStats } from '../../../src/probing/service.js';

const state: DaemonState = {
  pid: 4242,
  startedAt: new Date('2026-11-30T10:00:00.123Z'),
  targets: [{ host: '::1', intervalMs: 1000, timeoutMs: 800, count: 2 }],
  prober: 'fping',
  format: 'json',
  logFile: '/var/log/ping.log',
  historyDir: '/var/log/ping-history',
  serviceLog: null,
  configFile: '/etc/ping-daemon/config.json',
  vantage: 'fra-1',
  invocation: {
    args: ['start', '--host', '::1'],
    cwd: '/root',
    env: { PING_DAEMON_FORMAT: 'json' },
  },
  reloads: 2,
  lastReload: { time: new Date('2026-11-30T11:00:00Z'), ok: true, warnings: [] },
  channels: [
    {
      name: 'exec:/usr/local/bin/page',
      kind: 'exec',
      queued: 0,
      delivered: 3,
      failed: 0,
      dropped: 0,
    },
  ],
  stats: {
    lostLines: 0,
    hosts: {
      '::1': {
        probes: 10,
        skipped: 1,
        missed: 0,
        up: 9,
        down: 1,
        error: 0,
        last: {
          time: new Date('2026-11-30T11:59:59.5Z'),
          seq: 10,
          result: { status: 'up', rttMs: 0.04, lossPct: 0 },
        },
        state: 'up',
        stateSince: new Date('2026-11-30T11:59:58Z'),
      },
    },
  },
  health: {
    '::1': {
      state: 'up',
      since: new Date('2026-11-30T11:00:02Z'),
      reason: '2 probes with a reply',
      changes: 1,
    },
  },
};

/** Through JSON, as a reader meets it. */
const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('state file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'state-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back what it wrote, times as times', () => {
    const file = viaJson(toStateFile(state));
    assert.equal((file as { version: number }).version, STATE_VERSION);
    assert.deepEqual(fromStateFile(file), state);
  });

  it('writes the text of toStateFile, byte for byte, whatever the state holds', () => {
    // A host not probed yet: no last probe, no state.
    const {
      last: _last,
      state: _state,
      stateSince: _since,
      ...fresh
    } = state.stats.hosts['::1'] as HostStats;
    const variants: DaemonState[] = [
      state,
      {
        ...state,
        invocation: undefined,
        lastReload: null,
        health: { h: { state: 'unknown', since: undefined, reason: undefined, changes: 0 } },
        stats: {
          lostLines: 3,
          logProblem: { text: 'cannot write: disk full', since: new Date(1_796_000_000_123) },
          hosts: { ...state.stats.hosts, 'new.test': fresh },
        },
      },
    ];
    for (const s of variants) assert.equal(stateJson(s), JSON.stringify(toStateFile(s)));
  });

  it('reads a file written before versions were numbered', () => {
    const { version: _version, ...unversioned } = toStateFile(state);
    assert.deepEqual(fromStateFile(viaJson(unversioned)), state);
  });

  it('refuses another version and shapes it does not know', () => {
    const file = toStateFile(state);
    assert.equal(fromStateFile({ ...file, version: 2 }), undefined);
    for (const broken of [
      null,
      [],
      'text',
      { ...file, pid: '4242' },
      { ...file, startedAt: 'yesterday' },
      { ...file, targets: [{ host: 1 }] },
      { ...file, format: 'xml' },
      { ...file, prober: 'nmap' },
      { ...file, lastReload: { time: 'x', ok: true } },
      { ...file, stats: { lostLines: 0, hosts: { h: { probes: -1 } } } },
    ]) {
      assert.equal(fromStateFile(viaJson(broken)), undefined, JSON.stringify(broken)?.slice(0, 80));
    }
  });

  it('reads a file from before the fleet prober as a daemon that runs ping', () => {
    const { prober: _none, ...older } = toStateFile(state);
    assert.equal(fromStateFile(viaJson(older))?.prober, 'ping');
    assert.equal(fromStateFile(viaJson(toStateFile(state)))?.prober, 'fping');
  });

  it('is read only for the daemon it names, and a broken file is no state', () => {
    const path = join(dir, 'p.state.json');
    writeState(path, state);
    assert.deepEqual(readState(path, 4242), state);
    assert.equal(readState(path, 4243), undefined);
    writeFileSync(path, '{"pid": 4242');
    assert.equal(readState(path, 4242), undefined);
  });
});
