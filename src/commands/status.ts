// `ping-daemon status`, with the LSB exit codes: 0 running, 1 dead but the PID file remains,
// 3 not running, 4 unknown.
import type { CommandContext } from '../command-line.js';
import { formatDuration } from '../duration.js';
import { ControlError, describeErrno, ExitCode } from '../errors.js';
import { inspectPidFile, type PidFileState } from '../pid-file.js';
import { readState, stateFilePath } from '../state-file.js';

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

function inspect(pidFile: string): PidFileState {
  try {
    return inspectPidFile(pidFile);
  } catch (err) {
    throw new ControlError(
      `cannot tell whether ping-daemon runs: cannot read ${pidFile}: ${describeErrno(err)}`,
      ExitCode.statusUnknown,
    );
  }
}

export async function statusCommand(context: CommandContext): Promise<number> {
  const pidFile = context.pidFile();
  const found = inspect(pidFile);
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  if (found.state === 'missing') {
    out('ping-daemon is not running');
    return ExitCode.notRunning;
  }
  if (found.state === 'stale') {
    const pid = found.pid === undefined ? 'no valid PID' : `pid ${found.pid}`;
    out(`ping-daemon is not running, but its PID file ${pidFile} remains (${pid})`);
    return ExitCode.deadWithPidFile;
  }
  const state = readState(stateFilePath(pidFile), found.pid);
  if (!state) {
    out(`ping-daemon is running (pid ${found.pid})`);
    return ExitCode.ok;
  }
  const uptime = formatUptime(Date.now() - Date.parse(state.startedAt));
  out(`ping-daemon is running (pid ${found.pid}) since ${state.startedAt}, up ${uptime}`);
  out(
    `  pinging ${state.host} every ${formatDuration(state.intervalMs)} (timeout ${formatDuration(state.timeoutMs)}), logging to ${state.logFile}`,
  );
  return ExitCode.ok;
}
