// The fault campaign of issue 28 (docs/reliability.md has the table): faults a daemon running
// for months meets sooner or later, each provoked for real, each asserting what users must see.
// Here: a 10,000-host config.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  cliDone,
  killAtEnd,
  parseText,
  readLines,
  statusUntil,
  tempDir,
  waitFor,
} from '../helpers/cli.js';

describe('a 10,000-host config', () => {
  it('starts, staggers its probes over the interval, and reloads a change of two hosts', async () => {
    const dir = tempDir();
    const hosts = Array.from(
      { length: 10_000 },
      (_, i) => `127.9.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    );
    const config = join(dir, 'fleet.json');
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid'), svc: join(dir, 's.log') };
    const write = (list: string[]) =>
      writeFileSync(
        config,
        JSON.stringify({
          host: list.join(','),
          // 10,000 hosts spread over 1,000 s: one every 100 ms.
          interval: '1000s',
          // The per-host schedules are what is tested here (auto would run fping for so many).
          prober: 'ping',
          logFile: files.log,
          pidFile: files.pid,
          serviceLog: files.svc,
          historyDir: 'off',
        }),
      );
    write(hosts);
    const started = await cliDone(['start', '-c', config]);
    assert.equal(started.code, 0, started.stderr);
    const pid = Number(readFileSync(files.pid, 'utf8'));
    killAtEnd(pid);
    try {
      await waitFor('20 probes', () => readLines(files.log).length >= 40, 20_000);
      const starts = readLines(files.log)
        .map(parseText)
        .filter((l) => l.event === 'start')
        .slice(0, 20);
      // In the order of the config, each about 100 ms after the one before: not all at once.
      assert.deepEqual(
        starts.map((l) => l.host),
        hosts.slice(0, 20),
      );
      const spread = Date.parse(starts[19]?.time ?? '') - Date.parse(starts[0]?.time ?? '');
      // 1.9 s apart when on time; all at once would be a few ms. A late first tick shortens it.
      assert.ok(spread >= 1000, `20 probes within ${spread} ms`);
      // One host less, one more.
      write([...hosts.filter((h) => h !== '127.9.0.2'), '127.9.99.1']);
      const reloaded = await cliDone(['reload', '--pid-file', files.pid]);
      assert.deepEqual(
        [reloaded.code, reloaded.stdout],
        [0, `ping-daemon reloaded (pid ${pid})\n`],
      );
      const said = readLines(files.svc)
        .map((l) => JSON.parse(l))
        .find((e) => e.msg === 'reloaded');
      assert.deepEqual(said.changed, {
        added: ['127.9.99.1'],
        removed: ['127.9.0.2'],
        changed: [],
      });
      const state = await statusUntil(
        files.pid,
        'the new hosts',
        (s) => s.targets.length === 10_000,
      );
      const names = new Set(state.targets.map((t: { host: string }) => t.host));
      assert.ok(names.has('127.9.99.1') && !names.has('127.9.0.2'));
    } finally {
      assert.equal((await cliDone(['stop', '--pid-file', files.pid])).code, 0);
    }
  });
});
