import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AlreadyRunningError } from '../../../src/errors.js';
import {
  acquirePidFile,
  inspectPidFile,
  isPingDaemon,
  parsePid,
  releasePidFile,
} from '../../../src/lifecycle/pid-file.js';
import { holdsFile } from '../../../src/lifecycle/proc.js';

const dir = mkdtempSync(join(tmpdir(), 'pd-pid-'));
let n = 0;
const fresh = () => join(dir, `p${n++}.pid`);

// A live process that is not a ping-daemon, standing for a PID reused after a crash.
const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
// A live process that is one: `process.title` as the daemon sets it, holding its PID file open
// as the daemon does.
const held = fresh();
writeFileSync(held, '');
const daemon = spawn(
  process.execPath,
  [
    '-e',
    "process.title='ping-daemon: t'; require('fs').openSync(process.argv[1], 'r'); setTimeout(()=>{},30000)",
    held,
  ],
  { stdio: 'ignore' },
);
after(() => {
  stranger.kill();
  daemon.kill();
});

async function titled(pid: number): Promise<void> {
  for (let i = 0; i < 250 && !(isPingDaemon(pid) && holdsFile(pid, held)); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('parsePid', () => {
  it('accepts N and N\\n only', () => {
    assert.equal(parsePid('123\n'), 123);
    assert.equal(parsePid('123'), 123);
    for (const bad of [
      '',
      '\n',
      '0\n',
      '-1\n',
      'abc',
      '12 34\n',
      '1e3\n',
      '99999999999\n',
      ' 12\n',
      '12\n\n',
    ]) {
      assert.equal(parsePid(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('acquirePidFile', () => {
  it('creates the file with our PID and a newline, mode 0644', () => {
    const path = fresh();
    const { fd, ...rest } = acquirePidFile(path, 4242);
    assert.deepEqual(rest, {});
    assert.equal(readFileSync(path, 'utf8'), '4242\n');
    assert.equal(holdsFile(process.pid, path), true, 'the descriptor stays open');
    releasePidFile(path, 4242, fd);
    assert.equal(existsSync(path), false);
  });

  it('refuses while a live ping-daemon holds it', async () => {
    await titled(daemon.pid as number);
    writeFileSync(held, `${daemon.pid}\n`);
    assert.throws(
      () => acquirePidFile(held, 4242),
      (e: unknown) => e instanceof AlreadyRunningError && e.pid === daemon.pid,
    );
    assert.equal(readFileSync(held, 'utf8'), `${daemon.pid}\n`);
  });

  it('takes over from a live ping-daemon that does not hold it (another instance)', async () => {
    await titled(daemon.pid as number);
    const path = fresh();
    writeFileSync(path, `${daemon.pid}\n`);
    assert.deepEqual(inspectPidFile(path), { state: 'stale', pid: daemon.pid });
    const { fd, replaced } = acquirePidFile(path, 4242);
    assert.deepEqual(replaced, { state: 'stale', pid: daemon.pid });
    releasePidFile(path, 4242, fd);
  });

  it('refuses a FIFO at its name instead of hanging', () => {
    const path = fresh();
    execFileSync('mkfifo', [path]);
    assert.throws(() => inspectPidFile(path), { code: 'ENOTREG' });
    assert.throws(() => acquirePidFile(path, 4242), { code: 'ENOTREG' });
  });

  for (const [what, content] of [
    ['a dead PID', '4194000\n'],
    ['garbage', 'not a pid\n'],
    ['an empty file', ''],
  ] as const) {
    it(`replaces a stale file holding ${what}`, () => {
      const path = fresh();
      writeFileSync(path, content);
      const { replaced } = acquirePidFile(path, 4242);
      assert.equal(replaced?.state, 'stale');
      assert.equal(readFileSync(path, 'utf8'), '4242\n');
      assert.ok(!existsSync(`${path}.stale.4242`));
    });
  }

  it('replaces a file whose PID now belongs to another program', () => {
    const path = fresh();
    writeFileSync(path, `${stranger.pid}\n`);
    assert.equal(inspectPidFile(path).state, 'stale');
    acquirePidFile(path, 4242);
    assert.equal(readFileSync(path, 'utf8'), '4242\n');
  });
});

describe('releasePidFile', () => {
  it('removes only a file that holds our PID', () => {
    const path = fresh();
    writeFileSync(path, '4242\n');
    releasePidFile(path, 4343);
    assert.ok(existsSync(path));
    releasePidFile(path, 4242);
    assert.ok(!existsSync(path));
    releasePidFile(path, 4242); // already gone: fine
  });
});
