// What /proc says about a process: the few facts the lifecycle commands need (is it alive, what
// are its children), read without running `ps`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { sameFile } from '../ping-log/files.js';

/**
 * The fields of /proc/PID/stat after the command name, which is in parentheses and may hold
 * anything: state is [0], ppid [1], pgrp [2], session [3], tty_nr [4], utime [11], stime [12],
 * cutime [13], cstime [14]. Throws when the process is gone.
 */
export function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Whether `pid` exists and is not a zombie (which has exited, whatever /proc still shows). */
export function isAlive(pid: number): boolean {
  try {
    return statFields(pid)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The PIDs whose parent is `pid` (a daemon's ping probes). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(entry)[1]) === pid) children.push(Number(entry));
    } catch {
      // gone
    }
  }
  return children;
}

/** Whether `pid` has exited and waits to be reaped: its work is done, whatever we have seen yet. */
export function isZombie(pid: number): boolean {
  try {
    return statFields(pid)[0] === 'Z';
  } catch {
    return false;
  }
}

/**
 * Whether process `pid` holds `path` open (compared by device and inode, so any name of the file
 * counts); `undefined` when its descriptors cannot be read (another user's process).
 */
export function holdsFile(pid: number, path: string): boolean | undefined {
  let target: { dev: number; ino: number };
  let fds: string[];
  try {
    target = statSync(path);
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  return fds.some((fd) => {
    try {
      return sameFile(statSync(`/proc/${pid}/fd/${fd}`), target);
    } catch {
      return false;
    }
  });
}

/** The user and group process `pid` runs as (its effective ids), or undefined once it is gone. */
export function processIdentity(pid: number): { uid: number; gid: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const uid = /^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1];
    const gid = /^Gid:\s+\d+\s+(\d+)/m.exec(status)?.[1];
    return uid === undefined || gid === undefined
      ? undefined
      : { uid: Number(uid), gid: Number(gid) };
  } catch {
    return undefined;
  }
}
