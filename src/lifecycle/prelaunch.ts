// Booting the daemon's Node while the launcher reads its command line. A start costs two Node
// boots, the launcher's and the daemon's, one after the other; on a two-core machine each takes
// 100-150 ms before a line of ours runs. When the command line looks like a start, cli.ts calls
// prelaunch() first thing: stages 1 and 2 start at once, stage 2 loads the daemon's modules and
// then waits for its settings, which `start` sends once it has checked them. Whatever else
// happens (another command, a mistake in the options, another prober's V8 flags), the early
// stages are killed before anything was opened: stage 2 opens nothing before its settings come.
import { type Prober, probers } from '../config/options.js';
import { chooseProber, type ProbeMethod } from '../config/prober.js';
import { fpingInstalled } from '../probing/ping-exec.js';
import {
  abandonStages,
  daemonEnvironment,
  daemonV8Flags,
  type Stages,
  spawnStages,
} from './daemonize.js';

let early: Stages | undefined;

/**
 * The prober the daemon will most likely run, from the command line and environment alone: for
 * `auto`, by the hosts of `--host` (those of a config file are not read here; a guess that turns
 * out wrong costs the early stages, started again with the right flags).
 */
export function probableProber(
  args: string[],
  env: NodeJS.ProcessEnv,
  fpingThere: (pingDir: string | undefined) => boolean = fpingInstalled,
): ProbeMethod {
  let named = env.PING_DAEMON_PROBER;
  let pingDir = env.PING_DAEMON_PING_DIR;
  let hosts = env.PING_DAEMON_HOST?.split(',').length ?? 0;
  args.forEach((arg, i) => {
    const [flag, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg];
    const value = inline ?? args[i + 1];
    if (flag === '--prober') named = value;
    else if (flag === '--ping-dir') pingDir = value;
    else if (flag === '--host' && value !== undefined) hosts += value.split(',').length;
  });
  const requested: Prober = probers.find((p) => p === named) ?? 'auto';
  return chooseProber(requested, hosts, () => fpingThere(pingDir)).prober;
}

/** Starts the daemon's stages early for `args` (what `start` would run). */
export function prelaunch(args: string[]): void {
  try {
    const flags = daemonV8Flags(probableProber(args, process.env));
    early = spawnStages(args, daemonEnvironment(process.env, process.cwd()), flags);
  } catch {
    early = undefined; // `start` spawns them itself, and reports what fails then
  }
}

/** The early stages if they run `args` with `flags`; any others are ended. */
export function takeEarlyStages(args: string[], flags: string[]): Stages | undefined {
  const stages = early;
  early = undefined;
  if (stages === undefined) return undefined;
  const same = (a: string[], b: string[]): boolean =>
    a.length === b.length && a.every((x, i) => x === b[i]);
  const alive = stages.stage1.exitCode === null && !stages.failed;
  if (alive && same(stages.args, args) && same(stages.flags, flags)) return stages;
  abandonStages(stages);
  return undefined;
}

/** Ends early stages nobody took: the command was not a start, or it failed before launching. */
export function abandonEarlyStages(): void {
  if (early !== undefined) abandonStages(early);
  early = undefined;
}
