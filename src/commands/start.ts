// `ping-daemon start` (the default command). The launcher checks everything it can in the
// foreground, so mistakes reach the user's terminal, then daemonizes (daemonize.ts) and waits for
// the daemon to report; the daemon itself is stage2.ts.
import type { CommandContext } from '../command-line.js';
import { daemonEnvironment, launch } from '../daemonize.js';
import { AlreadyRunningError, ExitCode } from '../errors.js';
import { checkAppendable, checkPidDirectory, openOrExplain } from '../files.js';
import { defaultPidFile } from '../options.js';
import { inspectPidFile } from '../pid-file.js';
import { findPing } from '../ping-exec.js';
import { checkPrivilegeDrop } from '../privileges.js';
import type { Settings } from '../settings.js';
import { describeTargets } from '../targets.js';

/** SPEC §2 step 1: everything that can be checked before the detach. */
function preflight(context: CommandContext, settings: Settings): void {
  process.umask(settings.umask); // so files created by the checks get their final mode
  findPing(settings.pingDir);
  checkPrivilegeDrop(settings.user, settings.group);
  checkPidDirectory(settings.pidFile, settings.pidFile === defaultPidFile(context.place));
  const found = openOrExplain(settings.pidFile, '--pid-file', () =>
    inspectPidFile(settings.pidFile),
  );
  if (found.state === 'running') throw new AlreadyRunningError(found.pid, settings.pidFile);
  checkAppendable(settings.logFile, '--log-file');
  if (settings.serviceLog !== undefined) checkAppendable(settings.serviceLog, '--service-log');
}

export async function startCommand(context: CommandContext): Promise<number> {
  const settings = context.settings('daemon');
  preflight(context, settings);
  const env = daemonEnvironment(process.env, context.invocation.cwd, settings);
  const pid = await launch(context.invocation.args, env, settings.serviceLog ?? 'stderr');
  process.stdout.write(
    `ping-daemon started (pid ${pid}): ${describeTargets(settings.targets)}, logging to ${settings.logFile}\n`,
  );
  return ExitCode.ok;
}
