import assert from 'node:assert/strict';
import {
  closeSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
} from 'node:fs';
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

  it('opens the file again when its descriptor was closed behind its back, and says so', () => {
    const path = join(dir, 'e.log');
    const lost: number[] = [];
    const log = new LogFile(path, { onDescriptorLost: (fd) => lost.push(fd) });
    log.write('one\n');
    const first = log.fd;
    closeSync(first);
    log.write('two\n');
    log.close();
    assert.deepEqual(lost, [first]);
    assert.equal(readFileSync(path, 'utf8'), 'one\ntwo\n');
  });

  it('never writes into, nor closes, another file that took its descriptor number', () => {
    const path = join(dir, 'f.log');
    const other = join(dir, 'other');
    const lost: number[] = [];
    const log = new LogFile(path, { onDescriptorLost: (fd) => lost.push(fd) });
    const first = log.fd;
    closeSync(first);
    const taken = openSync(other, 'w'); // the lowest free number: the one just closed
    assert.equal(taken, first);
    log.write('one\n');
    log.close();
    assert.ok(fstatSync(taken).isFile(), 'the other file is still open');
    closeSync(taken);
    assert.deepEqual(lost, [first]);
    assert.equal(readFileSync(path, 'utf8'), 'one\n');
    assert.equal(readFileSync(other, 'utf8'), '');
  });

  it('throws the fs error when the file cannot be opened', () => {
    assert.throws(() => new LogFile(join(dir, 'missing-dir', 'x.log')), { code: 'ENOENT' });
  });
});
