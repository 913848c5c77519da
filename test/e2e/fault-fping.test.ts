// The fault campaign of issue 28 (docs/reliability.md has the table): faults a daemon running
// for months meets sooner or later, each provoked for real, each asserting what users must see.
// Here: an fping loop that stops answering.

import assert from 'node:assert/strict';
import { cpSync, existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, fileArgs, fixture, parseText, readLines, tempDir, waitFor } from '../helpers/cli.js';
import { everyStartHasItsEnd, fpingsFor, noFping } from '../helpers/faults.js';

describe('an fping loop that stops answering', { skip: noFping }, () => {
  it('stopped with SIGSTOP: killed and started again within a few intervals; every start line has its end', async () => {
    const dir = tempDir();
    const hosts = ['127.0.8.1', '127.0.8.2'];
    const log = join(dir, 'p.log');
    const run = cli([
      'run',
      ...['--prober', 'fping', '--host', hosts.join(','), '--interval', '100ms'],
      ...['--timeout', '80ms', '--history-dir', 'off'],
      ...fileArgs({ log, pid: join(dir, 'd.pid') }),
    ]);
    try {
      const [stopped] = await waitFor(
        'fping',
        () => {
          const found = fpingsFor('127.0.8.1');
          return found.length === 1 ? found : undefined;
        },
        10_000,
        run.stderr,
      );
      await waitFor('ticks', () => readLines(log).length >= 8, 10_000, run.stderr);
      process.kill(stopped as number, 'SIGSTOP');
      const at = performance.now();
      const restarted = await waitFor(
        'another fping',
        () => fpingsFor('127.0.8.1').find((pid) => pid !== stopped),
        20_000,
        run.stderr,
      );
      // 3 periods, the timeout and the 1.5 s grace of silence, then a backoff of 1 s.
      assert.ok(performance.now() - at < 15_000);
      await waitFor('the stopped fping gone', () => !existsSync(`/proc/${stopped}`));
      assert.match(run.stderr(), /fping stopped: no line for [\d.]+m?s; killed it/);
      const from = readLines(log).length;
      await waitFor('replies again', () =>
        readLines(log)
          .slice(from)
          .some((l) => l.includes('host=127.0.8.1') && l.includes('status=up')),
      );
      assert.deepEqual(fpingsFor('127.0.8.1'), [restarted]);
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
    everyStartHasItsEnd(log);
  });

  it('silent about one host that has a route: the loop is started again; without a route it is left alone', async () => {
    const dir = tempDir();
    const pingDir = join(dir, 'fping');
    cpSync(fixture('fping-wallclock'), pingDir, { recursive: true });
    writeFileSync(join(pingDir, 'node'), process.execPath);
    const hosts = ['127.0.8.11', '127.0.8.12', '127.0.8.13'];
    const log = join(dir, 'p.log');
    const run = cli([
      'run',
      ...['--prober', 'fping', '--ping-dir', pingDir, '--host', hosts.join(',')],
      ...['--interval', '100ms', '--timeout', '80ms', '--history-dir', 'off'],
      ...fileArgs({ log, pid: join(dir, 'd.pid') }),
    ]);
    try {
      await waitFor('ticks', () => readLines(log).length >= 12, 10_000, run.stderr);
      writeFileSync(join(pingDir, 'silent'), '127.0.8.12\n');
      await waitFor(
        'the restart',
        () =>
          run
            .stderr()
            .includes(
              'fping was silent about 127.0.8.12 for 3 periods, though it has a route; fping for 3 hosts started again at once',
            ),
        10_000,
        run.stderr,
      );
      unlinkSync(join(pingDir, 'silent'));
      const from = readLines(log).length;
      await waitFor(
        '127.0.8.12 answers again',
        () =>
          readLines(log)
            .slice(from)
            .some((l) => l.includes('host=127.0.8.12') && l.includes('status=up')),
        10_000,
      );
      // Its silent ticks were errors, the others' went on.
      const ends = readLines(log)
        .map(parseText)
        .filter((l) => l.event === 'end');
      assert.ok(
        ends.some((l) => l.host === '127.0.8.12' && l.rest.includes('echo request not sent')),
      );
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
    everyStartHasItsEnd(log);
  });
});
