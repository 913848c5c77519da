// The fault campaign of issue 28 (docs/reliability.md has the table): faults a daemon running
// for months meets sooner or later, each provoked for real, each asserting what users must see.
// Here: the daemon's files damaged, and the daemon killed and started again.

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  cliDone,
  fileArgs,
  fixture,
  killAtEnd,
  parseText,
  processesMatching,
  readLines,
  statusUntil,
  tempDir,
  waitFor,
} from '../helpers/cli.js';

describe('a state file or PID file truncated, garbage, or a directory', () => {
  const daemonArgs = (files: { log: string; pid: string; svc: string }) => [
    ...['--host', '127.0.10.78', '--interval', '100ms', '--ping-dir', fixture('ping-up')],
    ...fileArgs(files),
  ];
  const paths = () => {
    const dir = tempDir();
    return { log: join(dir, 'p.log'), pid: join(dir, 'd.pid'), svc: join(dir, 's.log') };
  };
  /** One line on stderr, no stack trace. */
  const oneLine = (stderr: string) => {
    assert.ok(stderr === '' || /^ping-daemon: [^\n]+\n$/.test(stderr), stderr);
  };

  for (const [what, garbage] of [
    ['empty', ''],
    ['garbage', 'not a pid\x00\xff\n'],
    ['a PID of a process that is no daemon', `${process.pid}\n`],
  ] as const) {
    it(`a PID file that is ${what}: start takes it over, status and stop work`, async () => {
      const files = paths();
      writeFileSync(files.pid, garbage);
      const status = await cliDone(['status', '--pid-file', files.pid]);
      assert.ok([1, 3].includes(status.code as number), status.stdout + status.stderr);
      oneLine(status.stderr);
      const started = await cliDone(['start', ...daemonArgs(files)]);
      assert.equal(started.code, 0, started.stderr);
      const pid = Number(readFileSync(files.pid, 'utf8'));
      killAtEnd(pid);
      assert.equal((await cliDone(['status', '--pid-file', files.pid])).code, 0);
      assert.equal((await cliDone(['stop', '--pid-file', files.pid])).code, 0);
      assert.ok(!existsSync(files.pid));
    });
  }

  it('a PID file that is a directory: one clear line from start, status and stop', async () => {
    const files = paths();
    mkdirSync(files.pid);
    for (const args of [
      ['start', ...daemonArgs(files)],
      ['status', '--pid-file', files.pid],
      ['stop', '--pid-file', files.pid],
    ]) {
      const r = await cliDone(args);
      assert.notEqual(r.code, 0, r.stdout);
      oneLine(r.stderr);
      assert.match(r.stderr, /is a directory|not a regular file/, r.stderr);
    }
    assert.deepEqual(processesMatching('ping-daemon: 127.0.10.78'), []);
  });

  for (const [what, make] of [
    ['truncated', (p: string) => writeFileSync(p, '{"version":')],
    ['garbage', (p: string) => writeFileSync(p, '\xff\xfe garbage')],
    ['a directory', (p: string) => mkdirSync(p)],
  ] as const) {
    it(`a state file that is ${what}: the daemon starts and runs, status says what it can`, async () => {
      const files = paths();
      const state = files.pid.replace(/\.pid$/, '.state.json');
      make(state);
      const started = await cliDone(['start', ...daemonArgs(files)]);
      assert.equal(started.code, 0, started.stderr);
      const pid = Number(readFileSync(files.pid, 'utf8'));
      killAtEnd(pid);
      try {
        await waitFor('probes', () => readLines(files.log).length >= 6);
        const status = await cliDone(['status', '--pid-file', files.pid]);
        assert.ok([0, 4].includes(status.code as number), status.stdout + status.stderr);
        assert.match(status.stdout + status.stderr, new RegExp(`\\(pid ${pid}\\)|pid ${pid}`));
        oneLine(status.stderr);
        if (what !== 'a directory') {
          // Written over within a second or so: status has it all again.
          await statusUntil(files.pid, 'the state', (s) => s.pid === pid || s.stats !== undefined);
        }
        assert.equal(existsSync(`/proc/${pid}`), true, 'the daemon is running');
      } finally {
        assert.equal((await cliDone(['stop', '--pid-file', files.pid])).code, 0);
      }
    });
  }
});

describe('the daemon killed (SIGKILL, out of memory) and started again', () => {
  it('carries on its hosts’ states: a host that was down is not announced down again', async () => {
    const dir = tempDir();
    const pingDir = join(dir, 'ping');
    cpSync(fixture('ping-switch'), pingDir, { recursive: true });
    const told = join(dir, 'told');
    const hook = join(dir, 'hook');
    writeFileSync(hook, `#!/bin/sh\necho "$PING_DAEMON_STATE" >> '${told}'\n`, { mode: 0o755 });
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid'), svc: join(dir, 's.log') };
    const args = [
      'start',
      ...['--host', '127.0.10.79', '--interval', '100ms', '--ping-dir', pingDir],
      ...['--on-change', hook, ...fileArgs(files)],
    ];
    const started = await cliDone(args);
    assert.equal(started.code, 0, started.stderr);
    const first = Number(readFileSync(files.pid, 'utf8'));
    killAtEnd(first);
    writeFileSync(join(pingDir, 'mode'), 'down\n');
    await waitFor('the down call', () => readLines(told).length === 1, 10_000);
    const before = await statusUntil(
      files.pid,
      'down',
      (s) => s.health['127.0.10.79'].state === 'down',
    );
    process.kill(first, 'SIGKILL');
    await waitFor('the daemon gone', () => !existsSync(`/proc/${first}`));
    const killedAt = readLines(files.log).length;
    const again = await cliDone(args);
    assert.equal(again.code, 0, again.stderr);
    const second = Number(readFileSync(files.pid, 'utf8'));
    killAtEnd(second);
    try {
      await waitFor(
        'ten probes of the new daemon',
        () => readLines(files.log).length >= killedAt + 20,
      );
      assert.deepEqual(readLines(told), ['down'], 'told again');
      const after = await statusUntil(files.pid, 'its state', (s) => s.pid === second);
      assert.deepEqual(after.health['127.0.10.79'], before.health['127.0.10.79']);
      assert.match(
        readFileSync(files.svc, 'utf8'),
        /carried on the state of 1 host from the daemon before/,
      );
      writeFileSync(join(pingDir, 'mode'), 'up\n');
      await waitFor('the up call', () => readLines(told).length === 2, 10_000);
      assert.deepEqual(readLines(told), ['down', 'up']);
    } finally {
      assert.equal((await cliDone(['stop', '--pid-file', files.pid])).code, 0);
    }
    // Whole lines only; the one start without its end is the kill's, the last before it.
    const lines = readLines(files.log).map(parseText);
    const unpaired = lines.filter(
      (l, i) =>
        l.event === 'start' && !(lines[i + 1]?.event === 'end' && lines[i + 1]?.seq === l.seq),
    );
    assert.ok(unpaired.length <= 1, JSON.stringify(unpaired));
    if (unpaired[0]) assert.equal(lines.indexOf(unpaired[0]), killedAt - 1);
  });
});
