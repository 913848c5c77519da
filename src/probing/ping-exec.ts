// Finding the `ping` executable. A daemon running as root must not run whatever `ping` comes first
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

const isExecutableFile = (path: string): boolean => executableProblem(path) === undefined;

/** The absolute path of the `ping` to run, or a StartupError saying what to install. */
export function findPing(pingDir: string | undefined): string {
  if (pingDir !== undefined) {
    const path = join(pingDir, 'ping');
    if (isExecutableFile(path)) return path;
    throw new StartupError(`ping not found in ${pingDir} (--ping-dir): no executable ${path}`);
  }
  for (const dir of SYSTEM_PATH.split(':')) {
    const path = join(dir, 'ping');
    if (isExecutableFile(path)) return path;
  }
  throw new StartupError(
    'ping not found; install iputils-ping (apt-get install iputils-ping) or name its directory with --ping-dir',
  );
}
