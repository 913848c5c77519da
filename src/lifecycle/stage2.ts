// Stage 2 of `start` (see daemonize.ts): the daemon. It runs the settings the launcher resolved
// and checked, tells the launcher how start-up went, and, on SIGHUP, reads the command line, the
// environment and the config file again as the launcher did.

import type { Settings } from '../config/settings.js';
import { ExitCode, userMessage } from '../errors.js';
import { runDaemon } from './daemon.js';
import { readSettingsPipe, report, STAGE2_CWD_ENV } from './daemonize.js';

export async function stage2(args: string[]): Promise<number> {
  process.chdir('/');
  const cwd = process.env[STAGE2_CWD_ENV] ?? '/';
  try {
    // What was inherited is closed already (cli.ts), but for this pipe and the readiness pipe.
    const settings = readSettingsPipe() as Settings;
    return await runDaemon(settings, {
      invocation: { args, cwd },
      reread: async () => {
        const { readSettings } = await import('../command-line/parse.js');
        return readSettings({ args, uid: process.getuid?.() ?? -1, cwd }, 'daemon');
      },
      onReady: (pid, unresolved) => report({ ready: true, pid, unresolved }),
    });
  } catch (err) {
    report({ error: userMessage(err) });
    return ExitCode.failure;
  }
}
