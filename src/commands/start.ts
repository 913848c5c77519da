// `ping-daemon start` (the default command). The launcher checks everything it can in the
// foreground, so mistakes reach the user's terminal, then daemonizes (daemonize.ts) and waits for
// the daemon to report; the daemon itself is stage2.ts.
import type { CommandContext, Invocation } from '../command-line/context.js';
import { defaultPidFile, type Place } from '../config/options.js';
import type { Settings } from '../config/settings.js';
import { describeTargets } from '../config/targets.js';
import { AlreadyRunningError, ExitCode } from '../errors.js';
import { daemonEnvironment, daemonV8Flags, launch } from '../lifecycle/daemonize.js';
import { inspectPidFile, releasePidFile } from '../lifecycle/pid-file.js';
import { takeEarlyStages } from '../lifecycle/prelaunch.js';
import { checkPrivilegeDrop } from '../lifecycle/privileges.js';
import { checkAppendable, checkPidDirectory, openOrExplain } from '../ping-log/files.js';
import { findPing } from '../probing/ping-exec.js';

/**
 * Step 1 of docs/starting.md: everything that can be checked before the detach. `replacing`:
 * the PID of the daemon a restart is about to stop, which may hold the PID file meanwhile.
 */
export function preflight(settings: Settings, place: Place, replacing?: number): void {
  process.umask(settings.umask); // so files created by the checks get their final mode
  findPing(settings.pingDir, settings.prober);
  checkPrivilegeDrop(settings.user, settings.group);
  checkPidDirectory(settings.pidFile, settings.pidFile === defaultPidFile(place));
  const found = openOrExplain(settings.pidFile, '--pid-file', () =>
    inspectPidFile(settings.pidFile),
  );
  if (found.state === 'running' && found.pid !== replacing) {
    throw new AlreadyRunningError(found.pid, settings.pidFile);
  }
  checkAppendable(settings.logFile, '--log-file');
  if (settings.serviceLog !== undefined) checkAppendable(settings.serviceLog, '--service-log');
}

/** Steps 2-5 of docs/starting.md: detaches the daemon with `invocation`'s arguments, waits. */
export async function launchDaemon(invocation: Invocation, settings: Settings): Promise<number> {
  const env = daemonEnvironment(process.env, invocation.cwd);
  const early = takeEarlyStages(invocation.args, daemonV8Flags(settings.prober));
  const serviceLog = settings.serviceLog ?? 'stderr';
  let started: Awaited<ReturnType<typeof launch>>;
  try {
    started = await launch(invocation.args, env, serviceLog, settings, early);
  } catch (err) {
    // A daemon that died after writing its PID file left it behind: a failed start leaves none.
    removeStale(settings.pidFile);
    throw err;
  }
  const { pid, unresolved } = started;
  process.stdout.write(
    `ping-daemon started (pid ${pid}): ${describeTargets(settings.targets, settings.prober)}, logging to ${settings.logFile}\n`,
  );
  for (const host of unresolved) {
    process.stderr.write(
      `ping-daemon: warning: ${host} does not resolve (ping: unknown host); the daemon keeps trying it every tick, and 'ping-daemon status' shows it as unresolved\n`,
    );
  }
  return ExitCode.ok;
}

function removeStale(pidFile: string): void {
  try {
    const found = inspectPidFile(pidFile);
    if (found.state !== 'stale' || found.pid === undefined) return;
    // The state file stays: the daemon reads it and carries on its hosts' states.
    releasePidFile(pidFile, found.pid);
  } catch {
    // Unreadable: the next start says why.
  }
}

export async function startCommand(context: CommandContext): Promise<number> {
  const settings = context.settings('daemon');
  preflight(settings, context.place);
  return launchDaemon(context.invocation, settings);
}
