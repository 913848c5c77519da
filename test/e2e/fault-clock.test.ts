// The fault campaign of issue 28 (docs/reliability.md has the table): faults a daemon running
// for months meets sooner or later, each provoked for real, each asserting what users must see.
// Here: steps of the wall clock, made for the daemon alone by libfaketime.

import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, fileArgs, fixture, parseText, readLines, tempDir, waitFor } from '../helpers/cli.js';
import { byHost, everyStartHasItsEnd, LIBFAKETIME, steppableClock } from '../helpers/faults.js';

/**
 * Steps the clock +1 h, back (-1 h), -1 day and back (+1 day) under a daemon probing `hosts`
 * every 100 ms, and checks what users must see: every start line has its end, no burst of ticks
 * and no gap (as many ticks as the time that really passed holds), timestamps on the new clock
 * after each step, and durations that stay true.
 */
async function stepTheClock(
  clock: ReturnType<typeof steppableClock>,
  hosts: string[],
  log: string,
  run: ReturnType<typeof cli>,
): Promise<void> {
  const every = () => byHost(log);
  await waitFor(
    '5 ticks per host',
    () => hosts.every((h) => (every().get(h)?.length ?? 0) >= 10),
    20_000,
    run.stderr,
  );
  const began = performance.now();
  const counted = new Map(hosts.map((h) => [h, every().get(h)?.length ?? 0]));
  for (const offset of [3600, 0, -86_400, 0]) {
    const from = readLines(log).length;
    clock.set(offset);
    // Lines on the new clock, for every host, then ten more ticks of it.
    await waitFor(
      `lines on the clock ${offset} s off`,
      () => {
        const after = readLines(log).slice(from).map(parseText);
        return hosts.every(
          (h) =>
            after.filter((l) => l.host === h && Math.abs(Date.parse(l.time) - clock.now()) < 60_000)
              .length >= 20,
        );
      },
      20_000,
      () => `${run.stderr().slice(-2000)}\n${readLines(log).slice(-4).join('\n')}`,
    );
  }
  run.child.kill('SIGTERM');
  assert.equal((await run.exit).code, 0, run.stderr());
  const elapsedTicks = (performance.now() - began) / 100;
  everyStartHasItsEnd(log);
  for (const [host, lines] of every()) {
    lines.forEach((l) => {
      // Durations stay true: no RTT of an hour, or below zero.
      const rtt = /rtt_ms=([\d.-]+)/.exec(l.rest)?.[1];
      if (rtt !== undefined)
        assert.ok(Number(rtt) >= 0 && Number(rtt) < 1000, `${host}: ${l.rest}`);
    });
    const ticks = (lines.length - (counted.get(host) ?? 0) * 1) / 2;
    // A burst after the step forward would be 36,000 ticks; a stall after a step back, none for
    // an hour. Each step may cost a tick or two; a loaded machine runs late, never early.
    assert.ok(
      ticks <= elapsedTicks + 8,
      `${host}: ${ticks} ticks in ${elapsedTicks.toFixed(0)} intervals`,
    );
    assert.ok(
      ticks >= elapsedTicks * 0.3 - 8,
      `${host}: ${ticks} ticks in ${elapsedTicks.toFixed(0)} intervals`,
    );
  }
}

describe('the wall clock stepped ±1 h and ±1 day under load', {
  skip: !LIBFAKETIME && 'libfaketime is not installed (apt-get install faketime; .ci/run does)',
}, () => {
  it('the fleet prober, 40 hosts: fping is started again on the new clock, no burst, no gap', async () => {
    const dir = tempDir();
    const clock = steppableClock(dir);
    const pingDir = join(dir, 'fping');
    cpSync(fixture('fping-wallclock'), pingDir, { recursive: true });
    writeFileSync(join(pingDir, 'node'), process.execPath);
    writeFileSync(
      join(pingDir, 'env'),
      Object.entries(clock.env)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
    const hosts = Array.from({ length: 40 }, (_, i) => `127.0.6.${i + 1}`);
    const log = join(dir, 'p.log');
    const run = cli(
      [
        'run',
        ...['--prober', 'fping', '--ping-dir', pingDir, '--host', hosts.join(',')],
        ...['--interval', '100ms', '--history-dir', 'off'],
        ...fileArgs({ log, pid: join(dir, 'd.pid') }),
      ],
      { env: clock.env },
    );
    await stepTheClock(clock, hosts, log, run);
    const steps = run
      .stderr()
      .split('\n')
      .filter((l) => l.includes('the wall clock stepped by'));
    assert.ok(steps.length >= 3, run.stderr());
    assert.doesNotMatch(run.stderr(), /"level":50/);
  });

  it('one ping per tick, 10 hosts, with history: the schedule keeps the monotonic clock', async () => {
    const dir = tempDir();
    const clock = steppableClock(dir);
    const hosts = Array.from({ length: 10 }, (_, i) => `127.0.7.${i + 1}`);
    const log = join(dir, 'p.log');
    const run = cli(
      [
        'run',
        ...['--host', hosts.join(','), '--interval', '100ms', '--prober', 'ping'],
        ...fileArgs({ log, pid: join(dir, 'd.pid') }),
      ],
      { env: clock.env },
    );
    await stepTheClock(clock, hosts, log, run);
    assert.doesNotMatch(run.stderr(), /"level":50/);
  });
});
