// Finding the `ping` (or `fping`) executable. A daemon running as root must not run whatever `ping` comes first
// on a PATH it inherited (docs/bad-input.md), so it searches a fixed system PATH, or exactly the
// directory the configuration names.
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { SYSTEM_PATH } from '../config/options.js';
import { describeErrno, StartupError } from '../errors.js';

/** Why `path` is not a program we can run (`permission denied`, …), or undefined when it is. */
export function executableProblem(path: string): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile() ? undefined : describeErrno({ code: 'ENOTREG' });
  } catch (err) {
    return describeErrno(err);
  }
}

export const isExecutableFile = (path: string): boolean => executableProblem(path) === undefined;

/** The Debian package that holds each program, for the message when it is missing. */
const PACKAGE_OF = { ping: 'iputils-ping', fping: 'fping' } as const;

/** Whether `fping` is where the daemon would look for it (`--ping-dir`, or the system PATH). */
export function fpingInstalled(pingDir: string | undefined): boolean {
  try {
    findPing(pingDir, 'fping');
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path of the program to run (`ping`, or `fping` for `--prober fping`), or a
 * StartupError saying what to install.
 */
export function findPing(
  pingDir: string | undefined,
  program: keyof typeof PACKAGE_OF = 'ping',
): string {
  if (pingDir !== undefined) {
    const path = join(pingDir, program);
    if (isExecutableFile(path)) return path;
    throw new StartupError(
      `${program} not found in ${pingDir} (--ping-dir): no executable ${path}`,
    );
  }
  for (const dir of SYSTEM_PATH.split(':')) {
    const path = join(dir, program);
    if (isExecutableFile(path)) return path;
  }
  const pkg = PACKAGE_OF[program];
  throw new StartupError(
    `${program} not found; install ${pkg} (apt-get install ${pkg}) or name its directory with --ping-dir`,
  );
}
