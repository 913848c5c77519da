import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lastServiceError } from '../../../src/lifecycle/daemonize.js';

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
