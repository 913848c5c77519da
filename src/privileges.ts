// --user / --group: checked in the foreground, applied in the daemon once its files are open.
import { execFileSync } from 'node:child_process';
import { StartupError } from './errors.js';

/** Throws unless the daemon can switch to `user`/`group`: it must be root and they must exist. */
export function checkPrivilegeDrop(user: string | undefined, group: string | undefined): void {
  if (user === undefined && group === undefined) return;
  const uid = process.getuid?.();
  if (uid !== 0) {
    const flag = user !== undefined ? '--user' : '--group';
    throw new StartupError(
      `${flag} needs root to switch to it, but ping-daemon runs as uid ${uid}`,
    );
  }
  // `id` and `getent` ask NSS, as setuid() will, so LDAP or systemd users count too.
  if (user !== undefined && !exists('id', ['-u', user])) {
    throw new StartupError(`--user ${user}: no such user`);
  }
  if (group !== undefined && !exists('getent', ['group', group])) {
    throw new StartupError(`--group ${group}: no such group`);
  }
}

function exists(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Drops root: supplementary groups first, then the group, then the user (setuid last, because
 * after it nothing else may be changed).
 */
export function dropPrivileges(user: string | undefined, group: string | undefined): void {
  if (user === undefined && group === undefined) return;
  const { initgroups, setgroups, setgid, setuid } = process;
  // These exist on every POSIX platform, which is the only kind ping-daemon runs on.
  if (!initgroups || !setgroups || !setgid || !setuid) {
    throw new StartupError('--user/--group are not supported on this platform');
  }
  const gid = group ?? (user !== undefined ? userPrimaryGroup(user) : undefined);
  if (user !== undefined) initgroups(user, gid ?? 0);
  else setgroups([]);
  if (gid !== undefined) setgid(gid);
  if (user !== undefined) setuid(user);
}

function userPrimaryGroup(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
}
