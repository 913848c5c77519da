import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LogFile } from '../../../src/ping-log/log-file.js';

const dir = mkdtempSync(join(tmpdir(), 'pd-log-'));

describe('LogFile', () => {
  it('creates the file 0666 & ~umask and appends', () => {
    const path = join(dir, 'a.log');
    const old = process.umask(0o027);
    try {
      const log = new LogFile(path);
      log.write('one\n');
      log.write('two\n');
      log.close();
    } finally {
      process.umask(old);
    }
    assert.equal(statSync(path).mode & 0o777, 0o640);
    assert.equal(readFileSync(path, 'utf8'), 'one\ntwo\n');
  });

  it('follows a rename to a new file at the path (logrotate create)', () => {
    const path = join(dir, 'b.log');
    const log = new LogFile(path);
    log.write('one\n');
    renameSync(path, `${path}.1`);
    log.write('two\n');
    log.close();
    assert.equal(readFileSync(`${path}.1`, 'utf8'), 'one\n');
    assert.equal(readFileSync(path, 'utf8'), 'two\n');
  });

  it('recreates a deleted file', () => {
    const path = join(dir, 'c.log');
    const log = new LogFile(path);
    log.write('one\n');
    unlinkSync(path);
    log.write('two\n');
    log.close();
    assert.equal(readFileSync(path, 'utf8'), 'two\n');
  });

  it('reopens on request and keeps appending', () => {
    const path = join(dir, 'd.log');
    const log = new LogFile(path);
    log.write('one\n');
    log.reopen();
    log.write('two\n');
    log.close();
    assert.equal(readFileSync(path, 'utf8'), 'one\ntwo\n');
  });

  it('throws the fs error when the file cannot be opened', () => {
    assert.throws(() => new LogFile(join(dir, 'missing-dir', 'x.log')), { code: 'ENOENT' });
  });
});
