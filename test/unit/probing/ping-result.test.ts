import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { normalise, type ProbeResult, parseLoss } from '../../../src/probing/ping-result.js';
import { parsePingOutput } from '../../../src/probing/probe.js';

// Outputs of iputils ping 20221126 (LANG=C), recorded on this platform; the exit status is in
// the file name. Partial loss, "unknown host" and "no permission" are shaped after the real ones.
const dir = new URL('../../fixtures/recorded/', import.meta.url);

function fromRecording(name: string): ProbeResult {
  const output = readFileSync(new URL(name, dir), 'latin1');
  const exitCode = Number(/exit(\d)/.exec(name)?.[1]);
  return normalise({ output, parsed: parsePingOutput('h', output), exitCode, signal: null });
}

describe('normalise', () => {
  const expected: Record<string, ProbeResult> = {
    'up-v4.exit0.txt': {
      status: 'up',
      rttMs: 0.024,
      lossPct: 0,
      ...{ addr: '127.0.0.1', sent: 1, replies: 1 },
      ...{ rttMinMs: 0.024, rttMaxMs: 0.024, rttMdevMs: 0 },
    },
    'up-v6.exit0.txt': {
      status: 'up',
      rttMs: 0.019,
      lossPct: 0,
      ...{ addr: '::1', sent: 1, replies: 1 },
      ...{ rttMinMs: 0.019, rttMaxMs: 0.019, rttMdevMs: 0 },
    },
    'up-name.exit0.txt': {
      status: 'up',
      rttMs: 0.018,
      lossPct: 0,
      ...{ addr: '127.0.0.1', sent: 1, replies: 1 },
      ...{ rttMinMs: 0.018, rttMaxMs: 0.018, rttMdevMs: 0 },
    },
    'up-name-v6.exit0.txt': {
      status: 'up',
      rttMs: 0.021,
      lossPct: 0,
      ...{ addr: '::1', sent: 1, replies: 1 },
      ...{ rttMinMs: 0.021, rttMaxMs: 0.021, rttMdevMs: 0 },
    },
    'up-count3.exit0.txt': {
      status: 'up',
      rttMs: 0.029,
      lossPct: 0,
      ...{ addr: '127.0.0.1', sent: 3, replies: 3 },
      ...{ rttMinMs: 0.01, rttMaxMs: 0.042, rttMdevMs: 0.013 },
    },
    'partial-loss.exit1.txt': {
      status: 'up',
      rttMs: 0.5,
      lossPct: 50,
      ...{ addr: '10.99.0.1', sent: 4, replies: 2 },
      ...{ rttMinMs: 0.488, rttMaxMs: 0.512, rttMdevMs: 0.012 },
    },
    'down.exit1.txt': { status: 'down', lossPct: 100, addr: '10.99.0.1', sent: 1, replies: 0 },
    'unreachable.exit2.txt': { status: 'error', error: 'network unreachable' },
    'unknown-host.exit2.txt': { status: 'error', error: 'unknown host' },
    'resolver-down.exit2.txt': { status: 'error', error: 'name resolution failed' },
    'no-permission.exit2.txt': { status: 'error', error: 'permission denied' },
    'garbage.exit0.txt': { status: 'error', error: 'unparseable ping output' },
  };

  it('has an expectation for every recording', () => {
    assert.deepEqual(readdirSync(dir).sort(), Object.keys(expected).sort());
  });

  for (const [name, result] of Object.entries(expected)) {
    it(`turns ${name} into ${result.status}${result.error ? ` (${result.error})` : ''}`, () => {
      assert.deepEqual(fromRecording(name), result);
    });
  }

  it("agrees with ping's own mdev, worked out from the replies' times", () => {
    for (const name of readdirSync(dir)) {
      const output = readFileSync(new URL(name, dir), 'latin1');
      const times = [...output.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
      const r = fromRecording(name);
      if (times.length === 0) {
        assert.equal(r.rttMdevMs, undefined, name);
        continue;
      }
      // mdev is the population standard deviation: sqrt(mean of squares - square of mean).
      const mean = times.reduce((a, b) => a + b, 0) / times.length;
      const sq = times.reduce((a, b) => a + b * b, 0) / times.length;
      const sd = Math.sqrt(Math.max(0, sq - mean * mean));
      assert.ok(Math.abs((r.rttMdevMs as number) - sd) < 0.001, `${name}: ${r.rttMdevMs} vs ${sd}`);
      assert.equal(r.rttMinMs, Math.min(...times), name);
      assert.equal(r.rttMaxMs, Math.max(...times), name);
      assert.equal(r.replies, times.length, name);
    }
  });

  it('gives numbers, never the package\'s "unknown" strings', () => {
    for (const name of Object.keys(expected)) {
      const r = fromRecording(name);
      for (const v of [r.rttMs, r.lossPct]) assert.ok(v === undefined || typeof v === 'number');
    }
  });

  it('reports a probe we killed at its deadline as a timeout, even with replies', () => {
    // Replies, but no statistics: ping was still at work when its time ran out.
    const full = readFileSync(new URL('up-v4.exit0.txt', dir), 'latin1');
    const output = full.slice(0, full.indexOf('---'));
    const parsed = parsePingOutput('h', output);
    const r = normalise({ output, parsed, exitCode: null, signal: 'SIGKILL', killed: 'timeout' });
    assert.deepEqual(r, { status: 'error', error: 'timeout' });
  });

  it('decides by what ping did: statistics printed before our kill landed mean it had finished', () => {
    const output = readFileSync(new URL('up-v4.exit0.txt', dir), 'latin1');
    const parsed = parsePingOutput('h', output);
    const r = normalise({ output, parsed, exitCode: null, signal: 'SIGKILL', killed: 'timeout' });
    assert.equal(r.status, 'up');
    const silent = readFileSync(new URL('down.exit1.txt', dir), 'latin1');
    const down = normalise({
      output: silent,
      parsed: parsePingOutput('h', silent),
      exitCode: null,
      signal: 'SIGKILL',
      killed: 'timeout',
    });
    assert.deepEqual(down, {
      status: 'down',
      lossPct: 100,
      addr: '10.99.0.1',
      sent: 1,
      replies: 0,
    });
  });

  it('says a timeout went on name resolution when ping printed nothing for a name', () => {
    const base = {
      parsed: undefined,
      exitCode: null,
      signal: 'SIGKILL',
      killed: 'timeout',
    } as const;
    assert.deepEqual(normalise({ ...base, output: '', byName: true }), {
      status: 'error',
      error: 'timeout (name resolution)',
    });
    assert.deepEqual(normalise({ ...base, output: '', byName: false }), {
      status: 'error',
      error: 'timeout',
    });
    const started = 'PING name.test (127.0.0.1) 56(84) bytes of data.\n';
    assert.deepEqual(normalise({ ...base, output: started, byName: true }), {
      status: 'error',
      error: 'timeout',
    });
  });

  it('names a probe stopped by shutdown', () => {
    const r = normalise({
      output: '',
      parsed: undefined,
      exitCode: null,
      signal: 'SIGKILL',
      killed: 'shutdown',
    });
    assert.deepEqual(r, { status: 'error', error: 'stopped by shutdown' });
  });

  it('names a ping killed by someone else', () => {
    const r = normalise({ output: '', parsed: undefined, exitCode: null, signal: 'SIGKILL' });
    assert.deepEqual(r, { status: 'error', error: 'ping killed by SIGKILL' });
  });

  it('reports a spawn failure', () => {
    const r = normalise({
      output: '',
      parsed: undefined,
      exitCode: null,
      signal: null,
      spawnError: 'cannot run /x/ping: EACCES',
    });
    assert.deepEqual(r, { status: 'error', error: 'cannot run /x/ping: EACCES' });
  });

  it('keeps the first line of an unknown failure, made printable and short', () => {
    const r = normalise({
      output: `ping: weird\u0007 ${'x'.repeat(300)}\n`,
      parsed: undefined,
      exitCode: 2,
      signal: null,
    });
    assert.equal(r.status, 'error');
    assert.ok(r.error?.startsWith('weird? x'));
    assert.ok((r.error?.length ?? 0) <= 120);
  });

  it('does not call exit 1 without a loss figure "down"', () => {
    const r = normalise({
      output: 'nothing useful\n',
      parsed: undefined,
      exitCode: 1,
      signal: null,
    });
    assert.deepEqual(r, { status: 'error', error: 'unparseable ping output' });
  });
});

describe('parseLoss', () => {
  it('reads the package strings and refuses the rest', () => {
    assert.equal(parseLoss('100.000'), 100);
    assert.equal(parseLoss('0.000'), 0);
    assert.equal(parseLoss(33.3), 33.3);
    assert.equal(parseLoss('unknown'), undefined);
    assert.equal(parseLoss('150'), undefined);
    assert.equal(parseLoss(undefined), undefined);
  });
});
