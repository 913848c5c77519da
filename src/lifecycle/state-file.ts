// The state file beside the PID file: what the running daemon is doing, for `status` (and
// `reload`, which watches it to tell whether a reload took). Replaced atomically (write a temp
// file, rename over), so a reader sees the old state or the new one, never half of either.
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Target } from '../config/targets.js';
import { readSmallFile } from '../ping-log/files.js';
import type { ServiceStats } from '../probing/service.js';

export interface DaemonState {
  pid: number;
  startedAt: string;
  targets: Target[];
  format: string;
  logFile: string;
  serviceLog: string | null;
  configFile: string | null;
  /**
   * How the daemon was started: its command line, working directory and PING_DAEMON_*
   * environment, so that a bare `restart` starts it again the same way.
   */
  invocation?: { args: string[]; cwd: string; env: Record<string, string> };
  reloads: number;
  /** `warnings`: what the reload could not do though the settings took (a log not reopened). */
  lastReload: { time: string; ok: boolean; error?: string; warnings?: string[] } | null;
  stats: ServiceStats;
}

/** Room for the state of 10,000 hosts. */
const MAX_STATE_BYTES = 16 * 1024 * 1024;

/** `/run/ping-daemon/ping-daemon.pid` → `/run/ping-daemon/ping-daemon.state.json`. */
export function stateFilePath(pidFile: string): string {
  return `${pidFile.replace(/\.pid$/, '')}.state.json`;
}

export function writeState(path: string, state: DaemonState): void {
  const temp = `${path}.${state.pid}.tmp`;
  const text = `${JSON.stringify(state)}\n`;
  // O_EXCL: a symbolic link planted at the temporary name is removed, never written through.
  try {
    writeFileSync(temp, text, { mode: 0o644, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    unlinkSync(temp);
    writeFileSync(temp, text, { mode: 0o644, flag: 'wx' });
  }
  renameSync(temp, path);
}

/** The state, or `undefined` when there is none (or it is not ours to trust). */
export function readState(path: string, pid: number): DaemonState | undefined {
  try {
    // Bounded, and never blocked by a FIFO planted at its name.
    const state = JSON.parse(readSmallFile(path, MAX_STATE_BYTES)) as DaemonState;
    return state.pid === pid ? state : undefined;
  } catch {
    return undefined;
  }
}

export function removeState(path: string, pid: number): void {
  if (readState(path, pid) === undefined) return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
