// `ping-daemon restart [options]`: like `systemctl restart`. With no options it starts the
// running daemon again exactly as it was started (its state file keeps its command line,
// directory and PING_DAEMON_* environment); with options, with those. Either way the new
// settings are checked completely (options, config file, ping, files, privileges) before the old
// daemon is stopped: a typo or an unwritable log must never leave nothing running.
import { DEFAULT_STOP_TIMEOUT_MS } from '../command-line/command-options.js';
import type { CommandContext, Invocation } from '../command-line/context.js';
import { ControlError, ExitCode } from '../errors.js';
import { inspectForControl } from '../lifecycle/pid-file.js';
import { adoptEnvironment, asStart, lostSecret } from '../lifecycle/started-as.js';
import { type DaemonState, readState, stateFilePath } from '../lifecycle/state-file.js';
import { launchDaemon, preflight } from './start.js';
import { stopDaemon } from './stop.js';

/** Whether the command line names nothing but the command and the PID file. */
export function onlyPidFile(args: string[]): boolean {
  const rest = args.filter((a) => a !== 'restart');
  if (rest.length === 0) return true;
  if (rest.length === 1) return (rest[0] as string).startsWith('--pid-file=');
  return rest.length === 2 && rest[0] === '--pid-file';
}

/** The invocation that started `state`'s daemon, as a `start`, with its environment restored. */
function previous(state: DaemonState, pid: number): Invocation & { env: Record<string, string> } {
  const was = state.invocation;
  if (!was) {
    throw new ControlError(
      `the running daemon (pid ${pid}) does not say how it was started; give restart its options`,
      ExitCode.failure,
    );
  }
  if (was.args[0] === 'run') {
    throw new ControlError(
      `the daemon (pid ${pid}) runs in the foreground (\`run\`) under a supervisor; restart it there (e.g. systemctl restart ping-daemon)`,
      ExitCode.failure,
    );
  }
  if (lostSecret(was)) {
    throw new ControlError(
      `the daemon (pid ${pid}) was given --webhook on its command line, which is not kept where anyone can read it; give restart its options, or move the webhook to the config file`,
      ExitCode.failure,
    );
  }
  return { args: asStart(was.args), cwd: was.cwd, uid: process.getuid?.() ?? -1, env: was.env };
}

export async function restartCommand(context: CommandContext): Promise<number> {
  const pidFile = context.pidFile();
  const found = inspectForControl(pidFile);
  const running = found.state === 'running' ? found.pid : undefined;
  let invocation: Invocation = {
    ...context.invocation,
    args: ['start', ...context.invocation.args.filter((a) => a !== 'restart')],
  };
  if (running !== undefined && onlyPidFile(context.invocation.args)) {
    const state = readState(stateFilePath(pidFile), running);
    if (state) {
      const again = previous(state, running);
      // The daemon's own PING_DAEMON_* settings, not this shell's.
      adoptEnvironment(again.env);
      invocation = again;
    }
  }
  const settings = context.settings('daemon', invocation);
  preflight(settings, context.place, running);
  process.stdout.write(`${await stopDaemon(pidFile, DEFAULT_STOP_TIMEOUT_MS, false)}\n`);
  return launchDaemon(invocation, settings);
}
