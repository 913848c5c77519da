// Root runs only what root could have written: the checks of sshd's StrictModes and of cron. A
// hook program or a --ping-dir (and the program found there) is refused when it, or a directory
// above it, is owned by a user other than root (or the --user), or can be written by a group
// other than root's or by everyone: whoever can write it can make root run anything. A world-
// writable directory with the sticky bit (/tmp) is allowed above the path: its entries can be
// replaced only by their owners, which the next step checks. Symbolic links are followed, and
// both the path as named and where it leads are checked.
import { lstatSync, realpathSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Settings } from '../config/settings.js';
import { StartupError } from '../errors.js';
import { resolveIdentity } from './privileges.js';

export interface TrustParts {
  lstat(path: string): Pick<Stats, 'uid' | 'gid' | 'mode' | 'isSymbolicLink' | 'isDirectory'>;
  realpath(path: string): string;
}

const nodeParts: TrustParts = { lstat: lstatSync, realpath: realpathSync.native };

/** `/a/b/c` → `/`, `/a`, `/a/b`, `/a/b/c`. */
function chain(path: string): string[] {
  const out: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    out.unshift(p);
    if (p === dirname(p)) return out;
  }
}

const STICKY = 0o1000;

/** Why `path` is one root should not trust, naming the step at fault; undefined when it is fine. */
function stepProblem(
  step: string,
  last: boolean,
  trusted: readonly number[],
  parts: TrustParts,
): string | undefined {
  const st = parts.lstat(step);
  if (!trusted.includes(st.uid)) return `${step} is owned by uid ${st.uid}`;
  if (st.isSymbolicLink()) return undefined; // its mode means nothing; its target is checked
  if ((st.mode & 0o002) !== 0 && !(st.isDirectory() && (st.mode & STICKY) !== 0 && !last)) {
    return `${step} can be written by everyone`;
  }
  if ((st.mode & 0o020) !== 0 && st.gid !== 0) return `${step} can be written by group ${st.gid}`;
  return undefined;
}

/**
 * Why root should not run `path` (or trust the directory `path`), or undefined. `trustedUids`:
 * root and the --user. A path that cannot be read is left to the checks that run it.
 */
export function trustProblem(
  path: string,
  trustedUids: readonly number[],
  parts: TrustParts = nodeParts,
): string | undefined {
  let real: string;
  try {
    real = parts.realpath(path);
  } catch {
    return undefined;
  }
  const steps = [...new Set([...chain(path), ...chain(real)])];
  for (const step of steps) {
    try {
      const problem = stepProblem(
        step,
        step === resolve(path) || step === real,
        trustedUids,
        parts,
      );
      if (problem !== undefined) return problem;
    } catch {
      // a step gone meanwhile: the run itself will say what is missing
    }
  }
  return undefined;
}

/**
 * As root: refuses (StartupError) every hook program and the --ping-dir with its program that
 * anyone but root or `user` could have written. Not as another user, who runs them as itself.
 */
export function checkTrust(settings: Settings, parts: TrustParts = nodeParts): void {
  if (process.geteuid?.() !== 0) return;
  const who = resolveIdentity(settings.user, settings.group);
  const trusted = who === undefined || who.uid === 0 ? [0] : [0, who.uid];
  const paths: [string, string][] = [];
  for (const t of settings.targets) {
    const program = t.notify.onChange?.[0];
    if (program !== undefined) paths.push(['--on-change', program]);
  }
  if (settings.pingDir !== undefined) {
    paths.push(['--ping-dir', settings.pingDir]);
    paths.push([
      '--ping-dir',
      join(settings.pingDir, settings.prober === 'fping' ? 'fping' : 'ping'),
    ]);
  }
  const whom = trusted.length > 1 ? `root or ${settings.user}` : 'root';
  for (const [flag, path] of new Map(paths.map(([f, p]) => [p, [f, p] as const])).values()) {
    const problem = trustProblem(path, trusted, parts);
    if (problem !== undefined) {
      throw new StartupError(
        `${flag} ${path}: ${problem}; as root, ping-daemon runs only what ${whom} alone can change (chown root, chmod go-w, or move it)`,
      );
    }
  }
}
