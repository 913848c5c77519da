// A running daemon's own command line and environment, as its state file keeps them, for the
// commands that read its settings again: `restart` starts it again, `notify-test` tests its
// channels.
import { ENV_PREFIX } from '../config/options.js';
import { NOT_KEPT, type StartedBy } from './state-file.js';

/** Whether the state file left a secret out (a webhook given on the command line). Pure. */
export function lostSecret(was: StartedBy): boolean {
  return [...was.args, ...Object.values(was.env)].some((v) => v.includes(NOT_KEPT));
}

/** Its command line as a `start`, whether it was `start`, `run` or bare options. Pure. */
export function asStart(args: string[]): string[] {
  const [command, ...rest] = args;
  return ['start', ...(command === 'start' || command === 'run' ? rest : args)];
}

/** Makes the daemon's PING_DAEMON_* variables this process's, in place of the shell's. */
export function adoptEnvironment(env: Record<string, string>): void {
  for (const key of Object.keys(process.env)) {
    if (key.startsWith(`${ENV_PREFIX}_`)) delete process.env[key];
  }
  Object.assign(process.env, env);
}
