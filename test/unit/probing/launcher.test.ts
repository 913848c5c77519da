import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { descendantsOf, PingLauncher } from '../../../src/probing/launcher.js';
import { createProbe } from '../../../src/probing/probe.js';
import { fixture, processesMatching, tempDir, waitFor } from '../../helpers/cli.js';

/** A stand-in `ping` with `body` as its shell script, in a directory of its own. */
function standIn(body: string): string {
  const dir = join(tempDir(), 'bin');
  mkdirSync(dir);
  const path = join(dir, 'ping');
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Runs `body` with a launcher, which is closed (and its shell reaped) whatever happens. */
async function withLauncher(
  ping: string,
  body: (launcher: PingLauncher) => Promise<void>,
): Promise<void> {
  const launcher = new PingLauncher(ping);
  try {
    await body(launcher);
  } finally {
    await launcher.close();
  }
}

describe('PingLauncher', () => {
  it('runs ping and gives back its output and exit status', async () => {
    await withLauncher(join(fixture('ping-up'), 'ping'), async (launcher) => {
      const results = await Promise.all(
        [1, 2, 3].map(() => launcher.run(['-c', '1', '--', '127.0.0.1']).done),
      );
      for (const r of results) {
        assert.equal(r.exitCode, 0);
        assert.equal(r.signal, null);
        assert.match(r.output, /1 packets transmitted, 1 received/);
      }
    });
  });

  it('passes every argument as it is: no splitting, globbing or expansion', async () => {
    const echo = standIn('printf "<%s>" "$@"; exit 3');
    await withLauncher(echo, async (launcher) => {
      const args = ['-I', 'a b', '*', '$(id)', '`id`', "'", '"', '\\', '-- x'];
      const r = await launcher.run(args).done;
      assert.equal(r.output, args.map((a) => `<${a}>`).join(''));
      assert.equal(r.exitCode, 3);
    });
  });

  it('refuses an argument that is empty or holds a tab or a newline', async () => {
    await withLauncher(join(fixture('ping-up'), 'ping'), async (launcher) => {
      for (const bad of ['a\tb', 'a\nb', '']) {
        const r = await launcher.run(['--', bad]).done;
        assert.equal(r.spawnError, 'bad argument');
      }
      assert.equal(launcher.pid, undefined, 'nothing was started for them');
    });
  });

  it('tells a ping killed by a signal from one that exited', async () => {
    const selfKill = standIn('kill -KILL $$');
    await withLauncher(selfKill, async (launcher) => {
      const r = await launcher.run(['x']).done;
      assert.deepEqual([r.exitCode, r.signal], [null, 'SIGKILL']);
    });
  });

  it("says so when ping's output is gone, and goes on", async () => {
    const vandal = standIn('rm -f "$(readlink /proc/$$/fd/1)"; echo hello');
    await withLauncher(vandal, async (launcher) => {
      const r = await launcher.run(['x']).done;
      assert.equal(r.spawnError, "ping's output: no such file or directory");
    });
  });

  it('a launcher that dies fails the probes it can no longer answer; the next probe starts a new one', async () => {
    const slow = standIn('sleep 5');
    await withLauncher(slow, async (launcher) => {
      const job = launcher.run(['x']);
      const first = launcher.pid as number;
      await waitFor('the subshell', () => descendantsOf(first).length >= 2);
      // Killed with its process group, as `stop --force` does: nothing is left to answer.
      process.kill(-first, 'SIGKILL');
      const r = await job.done;
      assert.equal(r.spawnError, 'the ping launcher was killed by SIGKILL');
      const next = launcher.run(['x']);
      assert.notEqual(launcher.pid, first);
      // Once the new shell has written down which PID runs it, ping can be signalled.
      await waitFor('the new one runs it', () => next.signal('SIGKILL'));
      assert.equal((await next.done).signal, 'SIGKILL');
    });
  });

  it('a ping killed as soon as its PID is known ends with its signal, with or without output', async () => {
    // The shell writes the PID down right after its fork: the kill may come before the child
    // has opened its output file (1 in 10 on two busy cores, before it was handled).
    const slow = standIn('sleep 5');
    await withLauncher(slow, async (launcher) => {
      for (let i = 0; i < 20; i++) {
        const job = launcher.run(['x']);
        await waitFor('its PID', () => job.signal('SIGKILL'));
        // As the probe's deadline does: a SIGCHLD that came just before the shell began to read
        // ends no read, and exited() wakes it (at 20 kills a test run met that once).
        await waitFor('its end', () => job.exited());
        const r = await job.done;
        // Its output, if any, is the stand-in shell's `Killed` for its sleep.
        assert.deepEqual([r.signal, r.spawnError], ['SIGKILL', undefined]);
      }
    });
  });

  it('answers every one of 300 pings that end at once', async () => {
    const quick = standIn('echo "$1"');
    await withLauncher(quick, async (launcher) => {
      const results = await Promise.all(
        Array.from({ length: 300 }, (_, i) => launcher.run([`n${i}`]).done),
      );
      assert.deepEqual(
        results.map((r) => [r.output, r.exitCode]),
        results.map((_, i) => [`n${i}\n`, 0]),
      );
      // Nothing of theirs is left behind: neither their output nor the PIDs the shell wrote down.
      const dir = readFileSync(`/proc/${launcher.pid}/cmdline`, 'latin1').split('\0').at(-2);
      assert.match(dir ?? '', /ping-daemon-/);
      assert.deepEqual(readdirSync(dir as string), []);
    });
  });

  it('a ping that cannot be run exits 127 and says why in its output', async () => {
    await withLauncher(join(tempDir(), 'no-such-ping'), async (launcher) => {
      const r = await launcher.run(['x']).done;
      assert.equal(r.exitCode, 127);
      assert.match(r.output, /no-such-ping: not found/);
    });
  });

  it('close() waits for the pings under way, reaps the shell and removes its directory', async () => {
    const up = join(fixture('ping-up'), 'ping');
    const launcher = new PingLauncher(up);
    const job = launcher.run(['x']);
    const pid = launcher.pid as number;
    await launcher.close();
    assert.equal((await job.done).exitCode, 0);
    assert.equal(existsSync(`/proc/${pid}`), false, 'the shell is reaped, not a zombie');
    assert.deepEqual(
      descendantsOf(process.pid).filter((p) => p === pid),
      [],
    );
    assert.equal(
      (await launcher.run(['x']).done).spawnError?.startsWith('cannot run /bin/sh'),
      true,
    );
  });
});

describe('createProbe through the launcher', () => {
  it('interrupts a ping still at work at its deadline: its statistics decide', async () => {
    const late = join(fixture('ping-late'), 'ping');
    await withLauncher(late, async (launcher) => {
      // Time enough for the stand-in to start and set its trap, even on a loaded machine (a
      // ping killed by SIGALRM before it set its handler is a timeout, rightly).
      const r = await createProbe(late, launcher)({ host: '10.99.0.1', count: 1, timeoutMs: 1000 })
        .result;
      assert.deepEqual([r.status, r.lossPct], ['down', 100]);
    });
  });

  it('kills a stand-in that ignores the interrupt, and its children', async () => {
    const deaf = join(fixture('ping-deaf'), 'ping');
    await withLauncher(deaf, async (launcher) => {
      // Time enough for the shell to write down which PID runs it, even on a loaded machine.
      const probe = createProbe(deaf, launcher)({ host: '127.0.0.1', count: 1, timeoutMs: 1000 });
      assert.deepEqual(await probe.result, { status: 'error', error: 'timeout' });
      // The stand-in and its sleep: the launcher's own command line names the stand-in too.
      await waitFor(
        'nothing left below the launcher',
        () => descendantsOf(launcher.pid as number).length === 0,
      );
    });
  });

  it('a probe killed by shutdown ends at once', async () => {
    const hang = join(fixture('ping-hang'), 'ping');
    await withLauncher(hang, async (launcher) => {
      const probe = createProbe(hang, launcher)({ host: '127.0.0.1', count: 1, timeoutMs: 5000 });
      await waitFor('ping running', () => processesMatching(hang).length > 0);
      probe.kill();
      assert.deepEqual(await probe.result, { status: 'error', error: 'stopped by shutdown' });
    });
  });
});
