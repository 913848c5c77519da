// The fault campaign of issue 28 (docs/reliability.md has the table): faults a daemon running
// for months meets sooner or later, each provoked for real, each asserting what users must see.
// Here: a local user holding hundreds of connections to the metrics listener.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, fileArgs, freePort, isRoot, readLines, tempDir, waitFor } from '../helpers/cli.js';
import { NOBODY, scrape, startGaps } from '../helpers/faults.js';

/**
 * Another user's program holding `count` idle connections to `port`, each opened again 5 ms
 * after it is closed; prints how many it has opened, now and then.
 */
const HOLDER = `
const { connect } = require('node:net');
const [port, count] = process.argv.slice(1).map(Number);
let opened = 0;
const hold = () => {
  opened++;
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  s.on('close', () => setTimeout(hold, 5));
};
for (let i = 0; i < count; i++) hold();
setInterval(() => console.log(opened), 100);
`;

describe('a local user holding hundreds of connections to the metrics listener', {
  skip: !isRoot && 'the holder runs as another user (nobody), which needs root',
}, () => {
  it("Prometheus's scrapes are still answered, 10 of 10, and ticks stay on time", async () => {
    const dir = tempDir();
    const port = await freePort();
    const p = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const run = cli([
      'run',
      '--host',
      '127.0.0.1',
      '--interval',
      '200ms',
      '--metrics-listen',
      `127.0.0.1:${port}`,
      ...fileArgs(p),
    ]);
    const holder = spawn(process.execPath, ['-e', HOLDER, String(port), '300'], {
      uid: NOBODY,
      gid: NOBODY,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let opened = 0;
    holder.stdout.on('data', (d: Buffer) => {
      opened = Number(d.toString().trim().split('\n').at(-1));
    });
    try {
      await waitFor('probes', () => readLines(p.log).length >= 2, 10_000, run.stderr);
      await waitFor('the connections held', () => opened >= 400, 10_000);
      const from = readLines(p.log).length;
      const answers: number[] = [];
      for (let i = 0; i < 10; i++) {
        answers.push(await scrape(port));
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(answers, Array(10).fill(200), `answers ${answers.join(',')}`);
      await waitFor('ten more ticks', () => readLines(p.log).length >= from + 20, 20_000);
      const gaps = startGaps(p.log, from);
      // 200 ms apart; a loaded CI core gets some slack.
      assert.ok(Math.max(...gaps) < 1500, `gaps ${gaps.join(',')}`);
    } finally {
      holder.kill('SIGKILL');
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });
});
