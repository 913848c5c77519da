// The fault campaign of issue 28 (docs/reliability.md has the table): faults a daemon running
// for months meets sooner or later, each provoked for real, each asserting what users must see.
// Here: 100 starts, stops, restarts and reloads racing from 4 shells.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cliDone, fixture, processesMatching, tempDir } from '../helpers/cli.js';
import { processesIn } from '../helpers/faults.js';

describe('100 starts, stops, restarts and reloads racing from 4 shells', () => {
  it('leave one daemon or none, never an orphan, and a PID file naming it or none', async () => {
    const dir = tempDir();
    const host = '127.0.10.77';
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid'), svc: join(dir, 's.log') };
    // As an admin's shells would: every command with the daemon's config file.
    const config = join(dir, 'c.json');
    writeFileSync(
      config,
      JSON.stringify({
        host,
        interval: '1h',
        pingDir: fixture('ping-up'),
        logFile: files.log,
        pidFile: files.pid,
        serviceLog: files.svc,
      }),
    );
    const commands: Record<string, string[]> = {
      start: ['start', '-c', config],
      restart: ['restart', '-c', config],
      reload: ['reload', '-c', config],
      stop: ['stop', '-c', config],
    };
    const names = Object.keys(commands);
    let seed = 28;
    const pick = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return names[seed % names.length] as string;
    };
    const shells = Array.from({ length: 4 }, () => Array.from({ length: 25 }, pick));
    const outcomes: { what: string; code: number | null; stderr: string }[] = [];
    await Promise.all(
      shells.map(async (ops) => {
        for (const what of ops) {
          const r = await cliDone(commands[what] as string[]);
          outcomes.push({ what, code: r.code, stderr: r.stderr });
        }
      }),
    );
    try {
      for (const o of outcomes) {
        // Each told what happened in a line, with the exit code of its kind, never a trace.
        assert.ok([0, 1, 3, 7].includes(o.code as number), JSON.stringify(o));
        assert.ok(o.stderr.split('\n').length <= 2 && !/\n\s+at /.test(o.stderr), o.stderr);
      }
      const daemons = processesIn(dir, `ping-daemon: ${host}`);
      assert.ok(daemons.length <= 1, `daemons: ${daemons.join(', ')}`);
      // Nothing else of theirs is left: no launcher, no stage 1, no probe.
      const others = [...processesMatching(dir), ...processesIn(dir, host)].filter(
        (p) => !daemons.includes(p),
      );
      assert.deepEqual(others, []);
      const [daemon] = daemons;
      if (daemon === undefined) assert.ok(!existsSync(files.pid), 'a PID file without a daemon');
      else assert.equal(readFileSync(files.pid, 'utf8'), `${daemon}\n`);
      const status = await cliDone(['status', '--pid-file', files.pid]);
      assert.equal(status.code, daemon === undefined ? 3 : 0, status.stdout + status.stderr);
    } finally {
      await cliDone(commands.stop as string[]);
    }
    assert.deepEqual(processesIn(dir, host), []);
    assert.ok(!existsSync(files.pid));
  });
});
