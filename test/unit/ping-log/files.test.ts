import assert from 'node:assert/strict';
import {
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeReplacing } from '../../../src/ping-log/files.js';

describe('writeReplacing', () => {
  it('replaces a file whole, leaving no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-files-'));
    const path = join(dir, 'g.svg');
    writeFileSync(path, 'old');
    writeReplacing(path, 'new');
    assert.equal(readFileSync(path, 'utf8'), 'new');
    assert.deepEqual(readdirSync(dir), ['g.svg']);
    rmSync(dir, { recursive: true });
  });

  it('never writes through a link planted where it writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-files-'));
    const victim = join(dir, 'shadow');
    writeFileSync(victim, 'precious');
    const path = join(dir, 'g.svg');
    symlinkSync(victim, path);
    assert.throws(() => writeReplacing(path, 'pwned'), /symbolic link/);
    assert.equal(readFileSync(victim, 'utf8'), 'precious');
    assert.ok(lstatSync(path).isSymbolicLink());
    // A dangling link too: following it would create the file it names.
    const dangling = join(dir, 'd.svg');
    symlinkSync(join(dir, 'created-elsewhere'), dangling);
    assert.throws(() => writeReplacing(dangling, 'x'), /symbolic link/);
    assert.deepEqual(readdirSync(dir).sort(), ['d.svg', 'g.svg', 'shadow']);
    rmSync(dir, { recursive: true });
  });
});
