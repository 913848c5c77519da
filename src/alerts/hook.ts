// Running `--on-change`: the program and its arguments without a shell, the notification in
// PING_DAEMON_* variables and as JSON on stdin, in a process group of its own that is killed
// whole at the timeout, and killed whole when the program exits, so nothing it started is left
// behind. Its stdout goes to /dev/null (a hook that prints 100 MB costs nothing); the first line
// of its stderr is kept for the service log.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { formatDuration } from '../config/duration.js';
import { SYSTEM_PATH } from '../config/options.js';
import type { Target } from '../config/targets.js';
import { describeErrno, StartupError } from '../errors.js';
import { executableProblem } from '../probing/ping-exec.js';
import { CLOSE_GRACE_MS } from '../probing/timing.js';
import { settleWithin } from '../settle.js';
import { type Notification, notificationEnv } from './event.js';

/**
 * Every `--on-change` program must be there and runnable when the settings are read (start,
 * run, reload, notify-test), rather than fail at the first outage. Throws a StartupError.
 */
export function checkPrograms(targets: Target[]): void {
  const programs = new Set(targets.flatMap((t) => t.notify.onChange?.slice(0, 1) ?? []));
  for (const program of programs) {
    const problem = executableProblem(program);
    if (problem !== undefined) {
      throw new StartupError(
        `--on-change ${program}: ${problem}; name a program ping-daemon can run (try it with ping-daemon notify-test)`,
      );
    }
  }
}

/** How a delivery went, in words for the service log and `notify-test`. */
export interface Delivery {
  ok: boolean;
  detail: string;
}

/** Enough of a hook's stderr for its first line. */
const MAX_STDERR = 4096;

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

export interface RunningHook {
  done: Promise<Delivery>;
  /** Ends it now (the daemon is stopping and cannot wait). */
  kill(): void;
}

/** Who a hook runs as, when not as the daemon (notify-test --user). */
export interface RunAs {
  uid: number;
  gid: number;
}

/** Marks every process a hook starts, so that none outlives the daemon (killLeftovers). */
const MARK = 'PING_DAEMON_PID';

export function runHook(
  command: string[],
  n: Notification,
  timeoutMs: number,
  as?: RunAs,
): RunningHook {
  const [program, ...args] = command as [string, ...string[]];
  let child: ChildProcess;
  try {
    child = spawn(program, args, {
      cwd: '/',
      env: { PATH: SYSTEM_PATH, LANG: 'C.UTF-8', ...notificationEnv(n), [MARK]: `${process.pid}` },
      stdio: ['pipe', 'ignore', 'pipe'],
      detached: true,
      ...as,
    });
  } catch (err) {
    return {
      done: Promise.resolve({ ok: false, detail: `cannot run: ${describeErrno(err)}` }),
      kill: () => {},
    };
  }
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < MAX_STDERR) stderr += chunk.toString('utf8');
  });
  // A hook that does not read its stdin, or exits first, must not fail the write loudly.
  child.stdin?.on('error', () => {});
  child.stdin?.end(`${JSON.stringify(n)}\n`);
  let timedOut = false;
  let killed = false;
  const done = new Promise<Delivery>((resolve) => {
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    const firstLine = (): string => {
      const line = stderr
        .split('\n')
        .find((l) => l.trim() !== '')
        ?.trim();
      return line === undefined ? '' : `: ${line.slice(0, 200)}`;
    };
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, detail: `cannot run: ${describeErrno(err)}` });
    });
    // 'exit', not 'close': a child the hook left behind may hold its stderr for as long as it
    // likes. Whatever is left of its group goes with it; then what the hook wrote to stderr is
    // read to its end, or for CLOSE_GRACE_MS when something outside the group holds it.
    child.once('exit', async (code, signal) => {
      clearTimeout(timer);
      killGroup(child);
      const stream = child.stderr;
      if (stream && !stream.closed) {
        await settleWithin(new Promise((r) => stream.once('close', r)), CLOSE_GRACE_MS);
      }
      if (timedOut) {
        resolve({
          ok: false,
          detail: `timed out after ${formatDuration(timeoutMs)}, killed with its process group`,
        });
      } else if (killed) {
        resolve({ ok: false, detail: 'killed: the daemon is stopping' });
      } else if (code === 0) {
        resolve({ ok: true, detail: 'exited with status 0' });
      } else {
        const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
        resolve({ ok: false, detail: `${how}${firstLine()}` });
      }
      child.stderr?.destroy();
    });
  });
  return {
    done,
    kill: () => {
      killed = true;
      killGroup(child);
    },
  };
}

/**
 * Kills what the hooks of this process left running outside their process groups (a child that
 * called setsid): every process of this process's real user whose environment still carries
 * this daemon's mark. Returns how many. Anyone can set the mark in their own environment, so a
 * process of another real user (one that ran a setuid program with it, say) is never touched.
 */
export function killLeftovers(): number {
  const mark = Buffer.from(`\0${MARK}=${process.pid}\0`);
  const uid = process.getuid?.();
  let killed = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = Buffer.concat([Buffer.from('\0'), readFileSync(`/proc/${entry}/environ`)]);
      if (!env.includes(mark)) continue;
      const realUid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'latin1'))?.[1];
      if (Number(realUid) !== uid) continue;
      process.kill(Number(entry), 'SIGKILL');
      killed++;
    } catch {
      // gone, or not ours to read
    }
  }
  return killed;
}
