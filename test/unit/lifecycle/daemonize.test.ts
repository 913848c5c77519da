import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  describeExitStatus,
  lastServiceError,
  liteMode,
  parseReport,
} from '../../../src/lifecycle/daemonize.js';

const dir = mkdtempSync(join(tmpdir(), 'pd-daemonize-'));
const line = (o: object) => `${JSON.stringify({ pid: 1, name: 'ping-daemon', ...o })}\n`;

describe('lastServiceError', () => {
  it("gives the last error or fatal line of this start, with its error's message", () => {
    const path = join(dir, 'a.log');
    writeFileSync(
      path,
      line({ level: 50, time: 500, msg: 'an older start' }) +
        line({ level: 30, time: 1000, msg: 'replaced a stale PID file' }) +
        line({ level: 60, time: 1001, msg: 'crashed', err: { message: 'EBADF: bad\nfile' } }) +
        line({ level: 30, time: 1002, msg: 'exiting after a crash' }),
    );
    assert.equal(lastServiceError(path, 1000), 'crashed: EBADF: bad');
  });

  it('says nothing of an earlier start, of warnings, of garbage, or of a missing file', () => {
    const path = join(dir, 'b.log');
    writeFileSync(
      path,
      `${line({ level: 50, time: 500, msg: 'an older start' })}not json\n${line({ level: 40, time: 1000, msg: 'a warning' })}`,
    );
    assert.equal(lastServiceError(path, 1000), undefined);
    assert.equal(lastServiceError(join(dir, 'missing.log'), 0), undefined);
    assert.equal(lastServiceError('stderr', 0), undefined);
  });
});

describe('parseReport', () => {
  it("reads stage 2's report and stage 1's word that stage 2 died; nothing else", () => {
    assert.deepEqual(parseReport('{"ready":true,"pid":42}'), {
      ready: true,
      pid: 42,
      unresolved: [],
    });
    assert.deepEqual(parseReport('{"ready":true,"pid":42,"unresolved":["a.test",7]}'), {
      ready: true,
      pid: 42,
      unresolved: ['a.test'],
    });
    assert.deepEqual(parseReport('{"error":"no"}'), { error: 'no' });
    assert.deepEqual(parseReport('{"exited":137}'), { exited: 137 });
    for (const bad of ['', 'ready', '{"ready":true}', '{"exited":"1"}', '{"exited":1.5}', '[]']) {
      assert.equal(parseReport(bad), undefined, bad);
    }
  });
});

describe('describeExitStatus', () => {
  it("names the signal of the shell's 128+N, else gives the status", () => {
    assert.equal(describeExitStatus(137), 'killed by SIGKILL');
    assert.equal(describeExitStatus(134), 'killed by SIGABRT');
    assert.equal(describeExitStatus(139), 'killed by SIGSEGV');
    assert.equal(describeExitStatus(1), 'exit status 1');
    assert.equal(describeExitStatus(0), 'exit status 0');
    assert.equal(describeExitStatus(255), 'exit status 255');
  });
});

describe('liteMode', () => {
  it('is on where Node starts with it, off on Node 22, whose node:http import needs WebAssembly', () => {
    assert.deepEqual(liteMode(11), ['--lite-mode', '--no-expose-wasm']);
    assert.deepEqual(liteMode(12), []);
    assert.deepEqual(liteMode(13), ['--lite-mode']);
    assert.deepEqual(liteMode(14), ['--lite-mode']);
  });
});
