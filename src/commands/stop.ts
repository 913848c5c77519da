// `ping-daemon stop`: SIGTERM, then wait for the exit; `--force` SIGKILLs a daemon that outlives
// the wait. Only a process that the PID file names *and* that is a ping-daemon is ever signalled.
import { unlinkSync } from 'node:fs';
import { stopOptions } from '../command-line/command-options.js';
import type { CommandContext } from '../command-line/context.js';
import { formatDuration } from '../config/duration.js';
import { ControlError, ExitCode } from '../errors.js';
import {
  inspectForControl,
  isPingDaemon,
  refuseRootDaemon,
  signalDaemon,
} from '../lifecycle/pid-file.js';
import { childrenOf } from '../lifecycle/proc.js';
import { releaseDaemonFiles } from '../lifecycle/state-file.js';

async function exited(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isPingDaemon(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** A PID file that holds no PID belongs to nobody: remove it (a link itself, not its target). */
function removeGarbage(pidFile: string): void {
  try {
    unlinkSync(pidFile);
  } catch {
    // gone already
  }
}

/**
 * Stops the daemon behind `pidFile`; resolves with what happened, for the caller to print.
 * A daemon that has dropped root cannot remove its PID file from /run: we do it after it exits.
 */
export async function stopDaemon(
  pidFile: string,
  timeoutMs: number,
  force: boolean,
): Promise<string> {
  const found = inspectForControl(pidFile);
  if (found.state === 'missing') return `ping-daemon is not running (no PID file ${pidFile})`;
  if (found.state === 'stale') {
    if (found.pid === undefined) removeGarbage(pidFile);
    else {
      releaseDaemonFiles(pidFile, found.pid);
    }
    return `ping-daemon is not running (removed the stale PID file ${pidFile})`;
  }
  const { pid } = found;
  signalDaemon(pid, 'SIGTERM', 'stop');
  let killed = false;
  if (!(await exited(pid, timeoutMs))) {
    if (!force) {
      throw new ControlError(
        `ping-daemon (pid ${pid}) is still running after ${formatDuration(timeoutMs)}; wait longer with --timeout, or use --force to kill it`,
        ExitCode.failure,
      );
    }
    // The probes run in process groups of their own; a killed daemon cannot end them, so we do.
    const probes = childrenOf(pid);
    signalDaemon(pid, 'SIGKILL', 'stop --force');
    killed = true;
    for (const child of probes) {
      try {
        process.kill(-child, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await exited(pid, 5000);
  }
  releaseDaemonFiles(pidFile, pid);
  return `ping-daemon stopped (pid ${pid})${force && killed ? ' with SIGKILL' : ''}`;
}

export async function stopCommand(context: CommandContext): Promise<number> {
  const { timeoutMs, force } = stopOptions(context.argv, context.typed);
  const pidFile = context.pidFile();
  refuseRootDaemon(pidFile, context.place, 'stop');
  const message = await stopDaemon(pidFile, timeoutMs, force);
  process.stdout.write(`${message}\n`);
  return ExitCode.ok;
}
