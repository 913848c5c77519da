// `ping-daemon restart [options]`: stop the running daemon (if any), then start with the options
// given now.
import type { CommandContext } from '../command-line.js';
import { startCommand } from './start.js';
import { DEFAULT_STOP_TIMEOUT_MS, stopDaemon } from './stop.js';

export async function restartCommand(context: CommandContext): Promise<number> {
  // Check the new settings before stopping the old daemon: a typo must not leave nothing running.
  context.settings('daemon');
  process.stdout.write(`${await stopDaemon(context.pidFile(), DEFAULT_STOP_TIMEOUT_MS, false)}\n`);
  return startCommand(context);
}
