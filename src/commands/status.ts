// `ping-daemon status`, with the LSB exit codes: 0 running, 1 dead but the PID file remains,
// 3 not running, 4 unknown.
import type { CommandContext } from '../command-line/context.js';
import { formatDuration } from '../config/duration.js';
import { describeTargets } from '../config/targets.js';
import { ExitCode } from '../errors.js';
import { inspectForControl } from '../lifecycle/pid-file.js';
import {
  type DaemonState,
  readState,
  stateFilePath,
  toStateFile,
} from '../lifecycle/state-file.js';
import { localIso } from '../ping-log/format.js';

/** `1 probe`, `2 probes`. */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** 93784000 → `1d 2h 3m`; under a minute, seconds. */
export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const parts: [number, string][] = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
  ];
  return parts
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join(' ');
}

/** The lines `status` prints for a running daemon, from its state. Pure. */
export function describeState(pid: number, state: DaemonState, now: Date): string[] {
  const ago = (time: Date): string => formatUptime(now.getTime() - time.getTime());
  // In the local zone, with its offset, as the ping log writes its times: one clock in all output.
  const at = localIso;
  const lines = [
    `ping-daemon is running (pid ${pid}) since ${at(state.startedAt)}, up ${ago(state.startedAt)}`,
    `  ${describeTargets(state.targets)}, logging to ${state.logFile}`,
  ];
  for (const target of state.targets) {
    const stats = state.stats.hosts[target.host];
    const timing = `every ${formatDuration(target.intervalMs)}, timeout ${formatDuration(target.timeoutMs)}`;
    if (!stats || stats.state === undefined || stats.stateSince === undefined || !stats.last) {
      lines.push(`  ${target.host}: no probe yet (${timing})`);
      continue;
    }
    const r = stats.last.result;
    const detail = [
      r.rttMs === undefined ? undefined : `rtt ${r.rttMs} ms`,
      r.lossPct === undefined ? undefined : `loss ${r.lossPct}%`,
      r.error,
    ].filter(Boolean);
    lines.push(
      `  ${target.host}: ${stats.state} since ${at(stats.stateSince)} (${ago(stats.stateSince)}); ` +
        `last probe #${stats.last.seq} at ${at(stats.last.time)}: ${r.status}${detail.length ? `, ${detail.join(', ')}` : ''}`,
      `    ${plural(stats.probes, 'probe')}: ${stats.up} up, ${stats.down} down, ${plural(stats.error, 'error')}; ${stats.skipped} skipped (${timing})`,
    );
  }
  if (state.lastReload) {
    const warnings = state.lastReload.warnings ?? [];
    const how = !state.lastReload.ok
      ? `failed: ${state.lastReload.error}`
      : warnings.length > 0
        ? `ok, but ${warnings.join('; ')}`
        : 'ok';
    lines.push(`  last reload at ${at(state.lastReload.time)}: ${how}`);
  }
  return lines;
}

export async function statusCommand(context: CommandContext): Promise<number> {
  const pidFile = context.pidFile();
  const found = inspectForControl(pidFile);
  const json = context.argv.json === true;
  const print = (lines: string[], value: object): void => {
    process.stdout.write(json ? `${JSON.stringify(value)}\n` : lines.map((l) => `${l}\n`).join(''));
  };
  if (found.state === 'missing') {
    print([`ping-daemon is not running (no PID file ${pidFile})`], { running: false, pidFile });
    return ExitCode.notRunning;
  }
  if (found.state === 'stale') {
    const pid = found.pid === undefined ? 'no valid PID' : `pid ${found.pid}`;
    print([`ping-daemon is not running, but its PID file ${pidFile} remains (${pid})`], {
      running: false,
      pidFile,
      stalePid: found.pid ?? null,
    });
    return ExitCode.deadWithPidFile;
  }
  const state = readState(stateFilePath(pidFile), found.pid);
  if (!state) {
    print([`ping-daemon is running (pid ${found.pid})`], {
      running: true,
      pid: found.pid,
      pidFile,
    });
    return ExitCode.ok;
  }
  print(describeState(found.pid, state, new Date()), {
    running: true,
    pidFile,
    ...toStateFile(state),
  });
  return ExitCode.ok;
}
