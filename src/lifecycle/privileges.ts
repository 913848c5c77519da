// --user / --group: checked in the foreground, applied in the daemon once its files are open.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { StartupError } from '../errors.js';

/** Who the daemon becomes after dropping root. */
export interface Identity {
  name: string;
  uid: number;
  gid: number;
  /** Every group it is in, the primary one included. */
  gids: number[];
}

/** `id` and `getent` ask NSS, as setuid() will, so LDAP or systemd users count too. */
function ask(command: string, args: string[]): string | undefined {
  try {
    // Bounded: a hung directory service must not hang start-up with it.
    return execFileSync(command, args, { encoding: 'utf8', timeout: 10_000, stdio: 'pipe' }).trim();
  } catch {
    return undefined;
  }
}

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
  resolveIdentity(user, group);
}

/** The uid, gid and groups the daemon will have; `undefined` when it keeps its own. */
export function resolveIdentity(
  user: string | undefined,
  group: string | undefined,
): Identity | undefined {
  if (user === undefined && group === undefined) return undefined;
  let gid: number | undefined;
  if (group !== undefined) {
    const entry = ask('getent', ['group', group]);
    gid = entry === undefined ? undefined : Number(entry.split(':')[2]);
    if (gid === undefined || !Number.isInteger(gid)) {
      throw new StartupError(`--group ${group}: no such group`);
    }
  }
  if (user === undefined) {
    return { name: `group ${group}`, uid: 0, gid: gid as number, gids: [gid as number] };
  }
  const uid = Number(ask('id', ['-u', user]) ?? Number.NaN);
  if (!Number.isInteger(uid)) throw new StartupError(`--user ${user}: no such user`);
  const primary = Number(ask('id', ['-g', user]));
  const groups = (ask('id', ['-G', user]) ?? '').split(/\s+/).filter(Boolean).map(Number);
  const ownGid = gid ?? primary;
  return { name: user, uid, gid: ownGid, gids: [...new Set([ownGid, ...groups])] };
}

/**
 * Whether `who` may write `path` by its mode bits (the check root's access(2) cannot make for
 * another user). ACLs are not read: a refusal names the path, and the admin can say otherwise
 * by choosing another.
 */
export function writableBy(who: Identity, path: string): boolean {
  if (who.uid === 0) return true;
  try {
    const stat = statSync(path);
    if (stat.uid === who.uid) return (stat.mode & 0o200) !== 0;
    if (who.gids.includes(stat.gid)) return (stat.mode & 0o020) !== 0;
    return (stat.mode & 0o002) !== 0;
  } catch {
    return false;
  }
}

/**
 * Drops root: supplementary groups first, then the group, then the user (setuid last, because
 * after it nothing else may be changed).
 */
export function dropPrivileges(who: Identity | undefined, user: string | undefined): void {
  if (who === undefined) return;
  const { initgroups, setgroups, setgid, setuid } = process;
  // These exist on every POSIX platform, which is the only kind ping-daemon runs on.
  if (!initgroups || !setgroups || !setgid || !setuid) {
    throw new StartupError('--user/--group are not supported on this platform');
  }
  if (user !== undefined) initgroups(user, who.gid);
  else setgroups([]);
  setgid(who.gid);
  if (user !== undefined) setuid(who.uid);
}
