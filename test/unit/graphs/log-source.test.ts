import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readLog } from '../../../src/graphs/log-source.js';
import { writeSyntheticLog } from '../../helpers/ping-log.js';

const END = Date.parse('2026-11-30T12:00:00Z');

describe('reading the raw log', () => {
  it('goes through a gzip bomb (64 MB without a newline) in bounded memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-source-'));
    try {
      const log = join(dir, 'ping.log');
      writeSyntheticLog(log, {
        hosts: ['a.test'],
        intervalMs: 60_000,
        start: END - 3_600_000,
        end: END,
      });
      writeFileSync(`${log}.1.gz`, gzipSync(Buffer.alloc(64 * 1024 * 1024, 'x'), { level: 9 }));
      const before = process.memoryUsage().rss;
      const read = await readLog(log, () => true, END - 2 * 3_600_000, END, 60);
      assert.deepEqual(read.skipped, []);
      assert.equal(read.frames.get('a.test')?.total().probes, 60);
      assert.ok(
        process.memoryUsage().rss - before < 48 * 1024 * 1024,
        'not the whole line in memory',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
