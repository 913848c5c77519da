// What /proc says about a process: the few facts the lifecycle commands need (is it alive, what
// are its children), read without running `ps`.
import { readdirSync, readFileSync } from 'node:fs';

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
