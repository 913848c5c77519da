#!/usr/bin/env node
// The entry point: parse, run, and map any error to one line on stderr and its exit code.
import { hideBin } from 'yargs/helpers';
import { parseCommandLine } from './command-line.js';
import { STAGE2_ENV } from './daemonize.js';
import { ExitCode, exitCodeOf, userMessage } from './errors.js';

async function main(): Promise<number> {
  try {
    const action = parseCommandLine({
      args: hideBin(process.argv),
      // The daemon runs in `/`; it resolves paths against the directory it was started from.
      cwd: process.env[STAGE2_ENV] ?? process.cwd(),
      uid: process.getuid?.() ?? -1,
    });
    return action ? await action() : ExitCode.ok;
  } catch (err) {
    process.stderr.write(`ping-daemon: ${userMessage(err)}\n`);
    return exitCodeOf(err);
  }
}

// Exit explicitly: a daemon that has stopped must not linger on a handle nobody owns any more.
main().then((code) => process.exit(code));
