// `ping-daemon install-service`: what goes where. The plan is pure (tested without touching
// /etc); carrying it out is a few copies.
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../config/config-file.js';
import { SYSTEM_PATH } from '../config/options.js';
import { chooseProber, type ProbeMethod } from '../config/prober.js';
import { describeErrno, StartupError } from '../errors.js';
import { CLI, PACKAGE_ROOT } from '../paths.js';
import { openOrExplain } from '../ping-log/files.js';
import { fpingInstalled } from '../probing/ping-exec.js';
import { daemonV8Flags } from './daemonize.js';

/** The binary path the shipped files name, replaced by the real one on install. */
export const SHIPPED_BIN = '/usr/local/bin/ping-daemon';

export interface Step {
  source: string;
  target: string;
  /** The config is the administrator's once installed: never overwritten. */
  keepExisting: boolean;
  transform: (text: string) => string;
}

export function plan(options: {
  root: string;
  bin: string;
  forking: boolean;
  node?: string;
  /** The config's prober: the daemon's V8 flags depend on it. */
  prober?: ProbeMethod;
}): Step[] {
  const { root, bin, forking, node = process.execPath, prober = 'ping' } = options;
  const withBin = (text: string): string =>
    text
      // The long-running `run` gets the daemon's V8 flags (daemonize.ts), which the bin's
      // shebang cannot carry without slowing every other command.
      .replaceAll(
        `${SHIPPED_BIN} run `,
        `${[node, ...daemonV8Flags(prober), realCli(bin)].join(' ')} run `,
      )
      .replaceAll(SHIPPED_BIN, bin)
      .replace(/\|\| ping-daemon reload/g, `|| ${bin} reload`);
  return [
    {
      source: join(
        PACKAGE_ROOT,
        'systemd',
        forking ? 'ping-daemon-forking.service' : 'ping-daemon.service',
      ),
      target: join(root, 'etc/systemd/system/ping-daemon.service'),
      keepExisting: false,
      transform: withBin,
    },
    {
      source: join(PACKAGE_ROOT, 'config', 'ping-daemon.json'),
      target: join(root, 'etc/ping-daemon/config.json'),
      keepExisting: true,
      transform: (text) => text,
    },
    {
      source: join(PACKAGE_ROOT, 'systemd', 'ping-daemon.logrotate'),
      target: join(root, 'etc/logrotate.d/ping-daemon'),
      keepExisting: false,
      transform: withBin,
    },
  ];
}

/**
 * The prober the installed config names (the one already in place, else the one shipped), so
 * that the unit's `run` gets that prober's V8 flags; with the reason when it cannot be read.
 */
export function configuredProber(root: string): {
  prober: ProbeMethod;
  from: string;
  problem?: string;
} {
  const installed = join(root, 'etc/ping-daemon/config.json');
  const from = existsSync(installed) ? installed : join(PACKAGE_ROOT, 'config', 'ping-daemon.json');
  try {
    const config = loadConfigFile(from);
    const named = config.prober === 'ping' || config.prober === 'fping' ? config.prober : 'auto';
    // `auto` decides by the hosts the config lists, and by fping being installed now.
    const hosts =
      (Array.isArray(config.hosts) ? config.hosts.length : 0) +
      (typeof config.host === 'string' ? config.host.split(',').length : 0);
    const pingDir = typeof config.pingDir === 'string' ? config.pingDir : undefined;
    return { prober: chooseProber(named, hosts, () => fpingInstalled(pingDir)).prober, from };
  } catch (err) {
    return { prober: 'ping', from, problem: err instanceof Error ? err.message : String(err) };
  }
}

/** The script behind a bin link (npm's /usr/bin/ping-daemon → .../dist/cli.js). */
function realCli(bin: string): string {
  try {
    return realpathSync(bin);
  } catch {
    return bin;
  }
}

/**
 * The path of this ping-daemon as the system would run it: the `ping-daemon` on the system PATH
 * that is this very program (npm's bin link), else this program's own file.
 */
export function installedBinary(): string {
  const self = realpathSync(CLI);
  for (const dir of SYSTEM_PATH.split(':')) {
    const candidate = join(dir, 'ping-daemon');
    try {
      if (realpathSync(candidate) === self) return candidate;
    } catch {
      // not there
    }
  }
  return self;
}

/**
 * Carries out the plan (or only describes it); returns one line per step. Throws a one-line
 * StartupError naming the file: the package's own file that cannot be read, or the target
 * that cannot be written.
 */
export function install(steps: Step[], dryRun: boolean): string[] {
  return steps.map((step) => {
    if (step.keepExisting && existsSync(step.target)) return `keep    ${step.target} (exists)`;
    let text: string;
    try {
      text = step.transform(readFileSync(step.source, 'utf8'));
    } catch (err) {
      throw new StartupError(
        `cannot read ${step.source}: ${describeErrno(err)}; the package is incomplete, install ping-daemon again`,
        { cause: err },
      );
    }
    if (!dryRun) {
      openOrExplain(step.target, '--root', () => {
        mkdirSync(join(step.target, '..'), { recursive: true });
        writeFileSync(step.target, text, { mode: 0o644 });
      });
    }
    if (!dryRun) return `install ${step.target}`;
    // What it would write, indented under its name.
    const body = text.replace(/\n$/, '').replace(/^/gm, '    ');
    return `would install ${step.target}\n${body}`;
  });
}

/**
 * Why the unit would be wrong to run `bin`, if it would: a ping-daemon that is not on the system
 * PATH (run from a clone, or from a user's npm prefix) puts a path into the unit that moves or
 * vanishes with that directory, and runs as root whatever its owner put there.
 */
export function unstableBinary(bin: string, root = PACKAGE_ROOT): string | undefined {
  const advice = `install the package or 'npm install -g' a tarball first (docs/installing.md), or name the binary with --bin`;
  if (!SYSTEM_PATH.split(':').some((dir) => bin === join(dir, 'ping-daemon'))) {
    return `the unit would run ${bin}, which is not a ping-daemon installed on the system PATH; ${advice}`;
  }
  // `npm link` or `npm install -g .` of a clone: on the PATH, but the clone is what runs.
  if (existsSync(join(root, '.git'))) {
    return `the unit would run ${bin}, which is a link into the clone ${root}: the service would change with every checkout; ${advice}`;
  }
  return undefined;
}
