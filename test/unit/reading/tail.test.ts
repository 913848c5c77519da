import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lastLines } from '../../../src/reading/tail.js';

const dir = mkdtempSync(join(tmpdir(), 'pd-tail-'));

function tail(text: string, n: number) {
  const path = join(dir, 'f');
  writeFileSync(path, text);
  const fd = openSync(path, 'r');
  try {
    return lastLines(fd, Buffer.byteLength(text), n);
  } finally {
    closeSync(fd);
  }
}

describe('lastLines', () => {
  it('returns the last n lines and where they end', () => {
    assert.deepEqual(tail('a\nb\nc\n', 2), { lines: ['b', 'c'], next: 6 });
    assert.deepEqual(tail('a\nb\nc\n', 10), { lines: ['a', 'b', 'c'], next: 6 });
    assert.deepEqual(tail('a\nb\nc\n', 0), { lines: [], next: 6 });
    assert.deepEqual(tail('', 5), { lines: [], next: 0 });
  });
  it('leaves a partial last line for the follower', () => {
    assert.deepEqual(tail('a\nb\npart', 5), { lines: ['a', 'b'], next: 4 });
  });
  it('is exact across 64 KiB chunk boundaries', () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 17)}`);
    const text = `${lines.join('\n')}\n`;
    for (const n of [1, 999, 5000, 29_999, 30_000]) {
      assert.deepEqual(tail(text, n).lines, lines.slice(-n), `n=${n}`);
    }
  });
});
