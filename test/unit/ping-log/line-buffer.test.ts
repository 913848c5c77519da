import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineBuffer } from '../../../src/ping-log/line-buffer.js';

describe('LineBuffer', () => {
  it('puts text as UTF-8, ASCII or not, and keeps what came before', () => {
    const out = new LineBuffer(8);
    out.put('host=');
    out.put('пример.испытание');
    out.put(' 😀 x\n');
    const expected = 'host=пример.испытание 😀 x\n';
    assert.equal(out.toString(), expected);
    assert.deepEqual(out.view(), Buffer.from(expected));
    assert.equal(out.length, Buffer.byteLength(expected));
  });

  it('writes numbers as String() does, whole ones digit by digit', () => {
    const numbers = [0, -0, 7, 10, 99, 100, 4294967296, Number.MAX_SAFE_INTEGER];
    const others = [0.045, 27.8, 33.333, -3, 1e-7, 2 ** 60, Number.NaN, Number.POSITIVE_INFINITY];
    for (const n of [...numbers, ...others]) {
      const out = new LineBuffer(1);
      out.put('=');
      out.number(n);
      assert.equal(out.toString(), `=${String(n)}`, `for ${n}`);
    }
  });

  it('grows for a burst, and gives that memory back when cleared', () => {
    const out = new LineBuffer();
    const line = `${'x'.repeat(99)}\n`;
    for (let i = 0; i < 20_000; i++) out.put(line);
    assert.equal(out.length, 2_000_000);
    assert.equal(out.toString(), line.repeat(20_000));
    out.clear();
    assert.equal(out.length, 0);
    assert.equal(out.toString(), '');
    out.put('again\n');
    assert.equal(out.toString(), 'again\n');
  });
});
