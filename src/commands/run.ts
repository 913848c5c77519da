// `ping-daemon run`: the service in the foreground, its own log on stderr.
import type { CommandContext } from '../command-line/context.js';
import { runDaemon } from '../lifecycle/daemon.js';

export async function runCommand(context: CommandContext): Promise<number> {
  const settings = context.settings('run');
  return runDaemon(settings, {
    invocation: context.invocation,
    reread: () => context.settings('run'),
  });
}
