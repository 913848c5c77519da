// `ping-daemon reload`: SIGHUP, then wait (briefly) for the daemon to say in its state file
// whether the new configuration took, so a bad config is reported here and not only in a log.

import { statSync } from 'node:fs';
import type { CommandContext } from '../command-line/context.js';
import { ControlError, ExitCode } from '../errors.js';
import { inspectForControl, refuseRootDaemon, signalDaemon } from '../lifecycle/pid-file.js';
import { readLastReload, stateFilePath } from '../lifecycle/state-file.js';

const CONFIRM_MS = 5000;

export async function reloadCommand(context: CommandContext): Promise<number> {
  const pidFile = context.pidFile();
  refuseRootDaemon(pidFile, context.place, 'reload');
  const found = inspectForControl(pidFile);
  if (found.state !== 'running') {
    throw new ControlError(
      `not running (no live daemon holds ${pidFile}); nothing to reload`,
      ExitCode.reloadNotRunning,
    );
  }
  const statePath = stateFilePath(pidFile);
  // The reload that answers ours is the first one the daemon finished after we signalled: known
  // by its time, so a state file unreadable for an instant before the signal costs nothing.
  const sentAt = Date.now();
  signalDaemon(found.pid, 'SIGHUP', 'reload');
  const deadline = sentAt + CONFIRM_MS;
  // The file is replaced, never written in place: read (a state of 10,000 hosts takes 0.2 s) only
  // when it has been replaced since it was last read.
  let seen: string | undefined;
  while (Date.now() < deadline) {
    const replaced = changedSince(statePath, seen);
    if (replaced === undefined) {
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    seen = replaced;
    const last = readLastReload(statePath, found.pid);
    if (last && last.time.getTime() >= sentAt) {
      if (last.ok === false) {
        throw new ControlError(
          `reload failed, the daemon keeps its old settings: ${last.error}`,
          ExitCode.failure,
        );
      }
      const warnings = last.warnings ?? [];
      if (warnings.length > 0) {
        throw new ControlError(
          `reloaded the settings (pid ${found.pid}), but ${warnings.join('; ')}`,
          ExitCode.failure,
        );
      }
      process.stdout.write(`ping-daemon reloaded (pid ${found.pid})\n`);
      return ExitCode.ok;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  process.stdout.write(`ping-daemon: sent SIGHUP to pid ${found.pid}\n`);
  return ExitCode.ok;
}

/** The file's inode and change time, if they differ from `seen`; else undefined. */
function changedSince(path: string, seen: string | undefined): string | undefined {
  let stamp = 'absent';
  try {
    const st = statSync(path, { bigint: true });
    stamp = `${st.ino}:${st.ctimeNs}`;
  } catch {
    // Not there (yet): nothing to read.
  }
  return stamp === seen ? undefined : stamp;
}
