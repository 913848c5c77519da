// The rrdtool child's protocol, against a stand-in that answers every command and records how its
// input came (the real rrdtool is tested through the store).
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RrdTool } from '../../../src/history/rrdtool.js';

/** A stand-in `rrdtool -`: echoes each command as its output, then `OK`; logs each read's size. */
function standIn(dir: string): { path: string; reads: () => number[] } {
  const log = join(dir, 'reads');
  const script = join(dir, 'rrdtool.cjs');
  writeFileSync(
    script,
    `const fs = require('node:fs');
let rest = '';
process.stdin.on('data', (chunk) => {
  fs.appendFileSync(${JSON.stringify(log)}, chunk.length + '\\n');
  const lines = (rest + chunk).split('\\n');
  rest = lines.pop();
  for (const line of lines) process.stdout.write(line + '\\nOK u:0.00 s:0.00 r:0.00\\n');
});`,
  );
  const path = join(dir, 'rrdtool');
  writeFileSync(path, `#!/bin/sh\nexec '${process.execPath}' '${script}' "$@"\n`);
  chmodSync(path, 0o755);
  const reads = (): number[] =>
    readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map(Number);
  return { path, reads };
}

describe('the rrdtool child', () => {
  it('sends the commands of one turn in one write, and answers each in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-rrdtool-'));
    const { path, reads } = standIn(dir);
    const rrd = new RrdTool(path, dir);
    try {
      const commands = Array.from({ length: 100 }, (_, i) => `update host${i}.rrd 1:2:3`);
      const answers = await Promise.all(commands.map((c) => rrd.run(c)));
      assert.deepEqual(
        answers,
        commands.map((c) => [c]),
      );
      const bytes = commands.reduce((sum, c) => sum + c.length + 1, 0);
      assert.deepEqual(reads(), [bytes], 'one read of all of them');
      // Commands of later turns go as they come, and are answered too.
      assert.deepEqual(await rrd.run('last a.rrd'), ['last a.rrd']);
      assert.deepEqual(await rrd.run('last b.rrd'), ['last b.rrd']);
      assert.deepEqual(reads(), [bytes, 11, 11]);
    } finally {
      await rrd.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
