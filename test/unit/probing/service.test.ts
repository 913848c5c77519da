import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { ProbeResult } from '../../../src/probing/ping-result.js';
import type { ProbeRequest, RunningProbe } from '../../../src/probing/probe.js';
import { type LiveSettings, PingService, type ServiceParts } from '../../../src/probing/service.js';
import { FakeClock } from '../../helpers/fake-clock.js';

interface Held {
  request: ProbeRequest;
  resolve(result: ProbeResult): void;
  killed: boolean;
}

const target = (host: string, intervalMs = 100) => ({
  host,
  intervalMs,
  timeoutMs: Math.floor(intervalMs * 0.8),
  count: 1,
});

function setup(overrides: Partial<LiveSettings> = {}, hooks: Partial<ServiceParts> = {}) {
  const clock = new FakeClock();
  const lines: string[] = [];
  const events: { level: number; msg: string; [k: string]: unknown }[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => events.push(JSON.parse(s)) });
  const probes: Held[] = [];
  let failWrites: Error | undefined;
  const service = new PingService({
    settings: { targets: [target('127.0.0.1')], format: 'json', maxInflight: 100, ...overrides },
    probe: (request): RunningProbe => {
      let resolve!: (r: ProbeResult) => void;
      const result = new Promise<ProbeResult>((r) => {
        resolve = r;
      });
      const held: Held = { request, resolve, killed: false };
      probes.push(held);
      return {
        result,
        kill: () => {
          held.killed = true;
        },
      };
    },
    log: {
      write: (line) => {
        if (failWrites) throw failWrites;
        lines.push(Buffer.from(line).toString());
      },
    },
    logger,
    clock,
    timers: clock,
    wallClock: () => new Date(clock.now()),
    ...hooks,
  });
  return {
    clock,
    lines,
    events,
    probes,
    service,
    fail: (e?: Error) => {
      failWrites = e;
    },
  };
}

const flush = () => new Promise((r) => setImmediate(r));
const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l));

describe('PingService', () => {
  it('writes a start line, runs the probe, writes its end line', async () => {
    const { clock, lines, probes, service } = setup();
    service.start();
    clock.advance(0);
    assert.deepEqual(probes[0]?.request, { host: '127.0.0.1', count: 1, timeoutMs: 80 });
    assert.equal(lines.length, 1);
    clock.advance(5);
    probes[0]?.resolve({ status: 'up', rttMs: 0.05, lossPct: 0 });
    await flush();
    const [start, end] = parsed(lines);
    assert.deepEqual({ event: start.event, seq: start.seq }, { event: 'start', seq: 1 });
    assert.deepEqual(
      { event: end.event, seq: end.seq, status: end.status, rtt: end.rtt_ms, d: end.duration_ms },
      { event: 'end', seq: 1, status: 'up', rtt: 0.05, d: 5 },
    );
  });

  it('never runs two probes of one host at once: skips and counts the tick', async () => {
    const { clock, lines, events, probes, service } = setup();
    service.start();
    clock.advance(250); // ticks at 0, 100, 200; the first probe never answers
    assert.equal(probes.length, 1);
    assert.equal(service.stats.hosts['127.0.0.1']?.skipped, 2);
    const warnings = events.filter((e) => e.msg.startsWith('tick skipped'));
    assert.equal(warnings.length, 1, 'the first skip of a run is reported, not each');
    assert.equal(warnings[0]?.level, 40);
    probes[0]?.resolve({ status: 'down', lossPct: 100 });
    await flush();
    clock.advance(100);
    assert.equal(probes.length, 2);
    assert.deepEqual(
      parsed(lines).map((l) => `${l.event}${l.seq}`),
      ['start1', 'end1', 'start2'],
    );
  });

  it('logs no line per probe, and counts each result', async () => {
    const { clock, events, probes, service } = setup();
    service.start();
    const statuses: ProbeResult[] = [
      { status: 'up', rttMs: 1, lossPct: 0 },
      { status: 'up', rttMs: 1, lossPct: 0 },
      { status: 'down', lossPct: 100 },
      { status: 'down', lossPct: 100 },
      { status: 'up', rttMs: 1, lossPct: 0 },
    ];
    for (const [i, result] of statuses.entries()) {
      clock.advance(i === 0 ? 0 : 100);
      probes[i]?.resolve(result);
      await flush();
    }
    // A host's state changes are told by the alerts' monitor, with hysteresis.
    assert.deepEqual(
      events.filter((e) => e.msg.includes('127.0.0.1')).map((e) => e.msg),
      [],
    );
    const stats = service.stats.hosts['127.0.0.1'];
    assert.deepEqual([stats?.up, stats?.down, stats?.probes], [3, 2, 5]);
  });

  it('stop() waits for the probe in flight and its end line', async () => {
    const { clock, lines, probes, service } = setup();
    service.start();
    clock.advance(0);
    let stopped = false;
    const stopping = service.stop().then(() => {
      stopped = true;
    });
    await flush();
    assert.equal(stopped, false);
    clock.advance(1000);
    assert.equal(probes.length, 1, 'no tick after stop');
    probes[0]?.resolve({ status: 'up', rttMs: 1, lossPct: 0 });
    await stopping;
    assert.deepEqual(
      parsed(lines).map((l) => l.event),
      ['start', 'end'],
    );
    assert.equal(clock.pendingCount, 0);
  });

  it('abort() kills the probe and still writes its end line', () => {
    const { clock, lines, probes, service } = setup();
    service.start();
    clock.advance(0);
    service.abort();
    assert.equal(probes[0]?.killed, true);
    const end = parsed(lines)[1];
    assert.deepEqual([end.event, end.status, end.error], ['end', 'error', 'stopped by shutdown']);
    probes[0]?.resolve({ status: 'up', rttMs: 1, lossPct: 0 });
    assert.equal(lines.length, 2, 'the late result writes nothing more');
  });

  it('applies reloaded settings from the next tick', async () => {
    const { clock, lines, probes, service } = setup();
    service.start();
    clock.advance(0);
    probes[0]?.resolve({ status: 'up', rttMs: 1, lossPct: 0 });
    await flush();
    const changed = service.reload({
      targets: [{ host: '127.0.0.1', intervalMs: 50, timeoutMs: 40, count: 2 }],
      format: 'classic',
      maxInflight: 100,
    });
    assert.deepEqual(changed, { added: [], removed: [], changed: ['127.0.0.1', 'format'] });
    clock.advance(50);
    assert.deepEqual(probes[1]?.request, { host: '127.0.0.1', count: 2, timeoutMs: 40 });
    assert.match(lines[2] ?? '', /^start time---------:\w{3} \w{3} [ \d]\d /);
  });

  it("writes a probe's end line in the format of its start line, across a reload", async () => {
    const { clock, lines, probes, service } = setup();
    service.start();
    clock.advance(0);
    service.reload({ targets: [target('127.0.0.1')], format: 'classic', maxInflight: 100 });
    probes[0]?.resolve({ status: 'up', rttMs: 1, lossPct: 0 });
    await flush();
    assert.equal(JSON.parse(lines[0] ?? '').event, 'start');
    assert.equal(JSON.parse(lines[1] ?? '').event, 'end', 'the end line is JSON too');
    clock.advance(100);
    assert.match(lines[2] ?? '', /^start time---------:/, 'the next probe is classic');
  });

  it('reports a failing ping log once per change and recovers', async () => {
    const { clock, lines, events, probes, service, fail } = setup();
    service.start();
    fail(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    for (let i = 0; i < 3; i++) {
      clock.advance(i === 0 ? 0 : 100);
      probes[i]?.resolve({ status: 'up', rttMs: 1, lossPct: 0 });
      await flush();
    }
    fail(undefined);
    clock.advance(100);
    const errors = events.filter((e) => e.level === 50);
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.msg ?? '', /cannot write the ping log: no space left on device/);
    assert.equal(service.stats.lostLines, 6);
    assert.ok(events.some((e) => e.msg === 'ping log writable again'));
    assert.equal(lines.length, 1);
  });

  it('spreads the first ticks of several hosts across the interval', () => {
    const { clock, probes, service } = setup({
      targets: [target('a.test'), target('b.test'), target('c.test'), target('d.test')],
    });
    service.start();
    const seen: [string, number][] = [];
    for (let t = 0; t < 100; t += 5) {
      clock.advance(t === 0 ? 0 : 5);
      for (const p of probes.slice(seen.length)) seen.push([p.request.host, clock.now() - 1000]);
    }
    assert.deepEqual(seen, [
      ['a.test', 0],
      ['b.test', 25],
      ['c.test', 50],
      ['d.test', 75],
    ]);
  });

  it('keeps seq numbers per host and reload adds and removes hosts without touching the others', async () => {
    const { clock, lines, probes, service, events } = setup({
      targets: [target('a.test'), target('b.test')],
    });
    service.start();
    const answer = async () => {
      for (const p of probes) p.resolve({ status: 'up', rttMs: 1, lossPct: 0 });
      await flush();
    };
    for (let i = 0; i < 3; i++) {
      clock.advance(i === 0 ? 0 : 50);
      await answer();
      clock.advance(50);
      await answer();
    }
    const change = service.reload({
      targets: [target('a.test'), target('c.test')],
      format: 'json',
      maxInflight: 100,
    });
    assert.deepEqual(change, { added: ['c.test'], removed: ['b.test'], changed: [] });
    for (let i = 0; i < 4; i++) {
      clock.advance(50);
      await answer();
    }
    const byHost = (host: string) =>
      parsed(lines)
        .filter((l) => l.host === host && l.event === 'start')
        .map((l) => l.seq);
    assert.deepEqual(byHost('a.test'), [1, 2, 3, 4, 5]);
    assert.deepEqual(byHost('b.test'), [1, 2, 3]);
    assert.deepEqual(byHost('c.test'), [1, 2]);
    assert.deepEqual(Object.keys(service.stats.hosts).sort(), ['a.test', 'c.test']);
    assert.ok(!events.some((e) => e.level >= 50));
  });

  it('bounds the probes running at once with maxInflight', () => {
    const { clock, probes, service } = setup({
      targets: [target('a.test'), target('b.test'), target('c.test')],
      maxInflight: 2,
    });
    service.start();
    clock.advance(99); // every host's first tick; no probe answers
    assert.equal(probes.length, 2);
    assert.equal(service.stats.hosts['c.test']?.skipped, 1);
  });

  it('reports a removed host gone only after its last probe, which no longer counts', async () => {
    const calls: string[] = [];
    const { clock, probes, service } = setup(
      { targets: [target('a.test'), target('b.test')] },
      {
        onResult: (host) => calls.push(`result ${host}`),
        onRemove: (host) => calls.push(`remove ${host}`),
      },
    );
    service.start();
    clock.advance(50); // both probes in flight
    service.reload({ targets: [target('a.test')], format: 'json', maxInflight: 100 });
    assert.deepEqual(calls, []);
    for (const p of probes) p.resolve({ status: 'up', rttMs: 1, lossPct: 0 });
    await flush();
    assert.deepEqual(calls.sort(), ['remove b.test', 'result a.test']);
  });
});
