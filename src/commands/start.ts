// `ping-daemon start` (the default command). The launcher checks everything it can in the
// foreground, so mistakes reach the user's terminal, then daemonizes (daemonize.ts) and waits for
// the daemon to report. The same command, re-executed with STAGE2_ENV set, is the daemon.
import type { CommandContext } from '../command-line.js';
import { runDaemon } from '../daemon.js';
import {
  closeInheritedDescriptors,
  daemonEnvironment,
  launch,
  report,
  STAGE2_ENV,
} from '../daemonize.js';
import { AlreadyRunningError, ExitCode, userMessage } from '../errors.js';
import { checkAppendable, checkPidDirectory } from '../files.js';
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
  const found = inspectPidFile(settings.pidFile);
  if (found.state === 'running') throw new AlreadyRunningError(found.pid, settings.pidFile);
  checkAppendable(settings.logFile, '--log-file');
  if (settings.serviceLog !== undefined) checkAppendable(settings.serviceLog, '--service-log');
}

export async function startCommand(context: CommandContext): Promise<number> {
  if (process.env[STAGE2_ENV] !== undefined) return daemon(context);
  const settings = context.settings('daemon');
  preflight(context, settings);
  const env = daemonEnvironment(process.env, context.invocation.cwd);
  const pid = await launch(context.invocation.args, env, settings.serviceLog ?? 'stderr');
  process.stdout.write(
    `ping-daemon started (pid ${pid}): ${describeTargets(settings.targets)}, logging to ${settings.logFile}\n`,
  );
  return ExitCode.ok;
}

/** Stage 2: run the daemon, and report ready, or the error that stopped it, to the launcher. */
async function daemon(context: CommandContext): Promise<number> {
  process.chdir('/');
  closeInheritedDescriptors();
  try {
    const settings = context.settings('daemon');
    return await runDaemon(settings, {
      reread: () => context.settings('daemon'),
      onReady: (pid) => report({ ready: true, pid }),
    });
  } catch (err) {
    report({ error: userMessage(err) });
    return ExitCode.failure;
  }
}
