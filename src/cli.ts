#!/usr/bin/env -S node --max-semi-space-size=1 --lite-mode --no-expose-wasm
// The entry point: parse, run, and map any error to one line on stderr and its exit code.
// Modules are loaded as needed: the daemon started by `start` skips the command-line parser.
import { STAGE2_SETTINGS_ENV } from './daemonize.js';
import { ExitCode, exitCodeOf, userMessage } from './errors.js';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (process.env[STAGE2_SETTINGS_ENV] !== undefined) {
    const { stage2 } = await import('./stage2.js');
    return stage2(args);
  }
  try {
    const { parseCommandLine } = await import('./command-line.js');
    const action = parseCommandLine({ args, cwd: process.cwd(), uid: process.getuid?.() ?? -1 });
    return action ? await action() : ExitCode.ok;
  } catch (err) {
    process.stderr.write(`ping-daemon: ${userMessage(err)}\n`);
    return exitCodeOf(err);
  }
}

// Exit explicitly: a daemon that has stopped must not linger on a handle nobody owns any more.
main().then((code) => process.exit(code));
