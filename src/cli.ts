#!/usr/bin/env node
// The entry point: parse, run, and map any error to one line on stderr and its exit code.
// Modules are loaded as needed: the daemon started by `start` skips the command-line parser.
import { looksLikeStart } from './command-line/commands.js';
import { endProcess } from './command-line/end.js';
import { ExitCode, exitCodeOf, userMessage } from './errors.js';
import { closeInheritedDescriptors, STAGE2_SETTINGS_ENV } from './lifecycle/daemonize.js';
import { abandonEarlyStages, prelaunch } from './lifecycle/prelaunch.js';
import { refuseInspectorSignal } from './lifecycle/signals.js';
import { errorPrefix } from './telemetry/journal.js';

// Before anything else: from here on SIGUSR1 cannot open Node's inspector (see signals.ts).
refuseInspectorSignal();

async function main(): Promise<number> {
  const given = process.argv.slice(2);
  // Bare `ping-daemon` shows how to use it; a start says so (`start`, or options).
  const args = given.length === 0 ? ['--help'] : given;
  if (process.env[STAGE2_SETTINGS_ENV] !== undefined) {
    // First, before a module that starts a thread of Node's own is loaded (see there).
    closeInheritedDescriptors();
    const { stage2 } = await import('./lifecycle/stage2.js');
    return stage2(args);
  }
  if (looksLikeStart(args)) prelaunch(args);
  try {
    const { parseCommandLine } = await import('./command-line/parse.js');
    const action = parseCommandLine({ args, cwd: process.cwd(), uid: process.getuid?.() ?? -1 });
    return action ? await action() : ExitCode.ok;
  } catch (err) {
    // Under systemd a start-up failure reaches `journalctl -p warning` (as an error), not info.
    process.stderr.write(`${errorPrefix()}ping-daemon: ${userMessage(err)}\n`);
    return exitCodeOf(err);
  } finally {
    abandonEarlyStages();
  }
}

/**
 * Resolves once everything written to `stream` so far has left the process: a pipe takes only
 * 64 KiB at once, and Node queues the rest, which process.exit() would drop (`status --json`
 * of 500 hosts through `| (sleep 1; cat)` lost its end). A reader that has gone away (EPIPE)
 * also ends the wait.
 */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
    // A reader that never reads must not keep a finished command alive for ever.
    setTimeout(resolve, DRAIN_LIMIT_MS).unref();
  });
}

/** How long a finished command waits for a reader to take the rest of its output. */
const DRAIN_LIMIT_MS = 30_000;

// Once the output is out; endProcess says why not process.exit().
main().then(async (code) => {
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  endProcess(code);
});
