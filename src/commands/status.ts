// `ping-daemon status`, with the LSB exit codes: 0 running, 1 dead but the PID file remains,
// 3 not running, 4 unknown.
import type { CommandContext } from '../command-line/context.js';
import { formatDuration, formatElapsed } from '../config/duration.js';
import { ROOT_PID_FILE } from '../config/options.js';
import { describeTargets } from '../config/targets.js';
import { ExitCode } from '../errors.js';
import { recentResults, sparkline } from '../graphs/sparkline.js';
import { formatMs, formatPct } from '../graphs/units.js';
import { inspectForControl, rootDaemonInstead } from '../lifecycle/pid-file.js';
import {
  type DaemonState,
  readState,
  stateFilePath,
  toStateFile,
} from '../lifecycle/state-file.js';
import { localIso } from '../ping-log/format.js';
import { UNKNOWN_HOST } from '../probing/ping-result.js';
import type { HostStats } from '../probing/service.js';
import { colourStates, fitWidth, wantsColour } from '../reading/terminal.js';

/** `1 probe`, `2 probes`. */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * `loss/median 1m 0%/0.04 ms, 5m 0%/0.04 ms, 15m 2%/0.05 ms; address 127.0.0.1`, like uptime's
 * load averages; `-` for a figure not known; `~` for a window reaching past the probes kept.
 */
export function describeWindows(stats: HostStats): string | undefined {
  const parts: string[] = [];
  if (stats.windows) {
    const figures = Object.entries(stats.windows).map(([name, w]) => {
      const loss = w.lossPct === undefined ? '-' : formatPct(w.lossPct);
      const rtt = w.medianRttMs === undefined ? '-' : formatMs(w.medianRttMs);
      return `${name} ${w.complete ? '' : '~'}${loss}/${rtt}`;
    });
    parts.push(`loss/median ${figures.join(', ')}`);
  }
  if (stats.addr !== undefined) parts.push(`address ${stats.addr}`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** The lines `status` prints for a running daemon, from its state. Pure. */
export function describeState(pid: number, state: DaemonState, now: Date): string[] {
  const ago = (time: Date): string => formatElapsed(now.getTime() - time.getTime());
  // In the local zone, with its offset, as the ping log writes its times: one clock in all output.
  const at = localIso;
  const lines = [
    `ping-daemon is running (pid ${pid}) since ${at(state.startedAt)}, up ${ago(state.startedAt)}`,
    `  ${describeTargets(state.targets, state.prober)}${state.vantage === null ? '' : ` from ${state.vantage}`}, logging to ${state.logFile}`,
  ];
  if (state.proberWhy !== undefined) lines.push(`  prober: ${state.prober} (${state.proberWhy})`);
  for (const target of state.targets) {
    const stats = state.stats.hosts[target.host];
    const timing = `every ${formatDuration(target.intervalMs)}, timeout ${formatDuration(target.timeoutMs)}`;
    if (!stats || stats.state === undefined || stats.stateSince === undefined || !stats.last) {
      lines.push(`  ${target.host}: no probe yet (${timing})`);
      continue;
    }
    const r = stats.last.result;
    const detail = [
      r.rttMs === undefined ? undefined : `rtt ${formatMs(r.rttMs)}`,
      r.lossPct === undefined ? undefined : `loss ${formatPct(r.lossPct)}`,
      r.error,
    ].filter(Boolean);
    // The host's state for people, with why; a daemon from before states: its last probes' run.
    const health = state.health[target.host];
    const now =
      health === undefined
        ? `${stats.state} since ${at(stats.stateSince)} (${ago(stats.stateSince)})`
        : health.since === undefined
          ? 'unknown (no decision yet)'
          : `${health.state} since ${at(health.since)} (${ago(health.since)}): ${health.reason}`;
    // The name is what fails, not the host: said first (ping resolves it again every probe).
    const name = r.error === UNKNOWN_HOST ? 'unresolved; ' : '';
    lines.push(
      `  ${target.host}: ${name}${now}`,
      `    last probe #${stats.last.seq} at ${at(stats.last.time)}: ${r.status}${detail.length ? `, ${detail.join(', ')}` : ''}`,
      `    ${plural(stats.probes, 'probe')}: ${stats.up} up, ${stats.down} down, ${plural(stats.error, 'error')}; ${stats.skipped} skipped (${timing})`,
    );
    const recent = describeWindows(stats);
    if (recent) lines.push(`    ${recent}`);
  }
  const { lostLines, logProblem } = state.stats;
  if (logProblem !== undefined || lostLines > 0) {
    const lost = lostLines > 0 ? `${plural(lostLines, 'line')} lost` : undefined;
    lines.push(
      logProblem === undefined
        ? `  ping log: writable again; ${lost} while it was not`
        : `  ping log: ${logProblem.text} since ${at(logProblem.since)} (${ago(logProblem.since)})${lost ? `; ${lost}` : ''}`,
    );
  }
  for (const c of state.channels) {
    const last =
      c.last === undefined
        ? ''
        : `; last ${c.last.ok ? 'delivered' : 'failed'} at ${at(new Date(c.last.at))} (${ago(new Date(c.last.at))}): ${c.last.detail}`;
    lines.push(
      `  channel ${c.name}: ${c.delivered} delivered, ${c.failed} failed, ${c.dropped} dropped, ${c.queued} waiting${last}`,
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

/** On a terminal: each host's last 60 probes, under its lines. */
function addSparklines(lines: string[], state: DaemonState): void {
  const results = recentResults(
    state.logFile,
    state.targets.map((t) => t.host),
  );
  for (const t of state.targets) {
    const values = results.get(t.host) ?? [];
    if (values.length === 0) continue;
    const at = lines.findIndex((l) => l.startsWith(`  ${t.host}: `));
    const rtts = values.filter((v): v is number => v !== undefined);
    const scale = rtts.length
      ? `${formatMs(Math.min(...rtts))} to ${formatMs(Math.max(...rtts))}, `
      : 'no reply in ';
    const spark = `    ${sparkline(values)}  ${scale}last ${values.length} probes`;
    // After the host's own lines (its first line, and those indented under it).
    let end = at + 1;
    while (end < lines.length && lines[end]?.startsWith('    ')) end++;
    if (at >= 0) lines.splice(end, 0, spark);
  }
}

export async function statusCommand(context: CommandContext): Promise<number> {
  const pidFile = context.pidFile();
  const found = inspectForControl(pidFile);
  const json = context.argv.json === true;
  const print = (lines: string[], value: object): void => {
    process.stdout.write(json ? `${JSON.stringify(value)}\n` : lines.map((l) => `${l}\n`).join(''));
  };
  if (found.state === 'missing') {
    const root = rootDaemonInstead(pidFile, context.place);
    const lines = [`ping-daemon is not running (no PID file ${pidFile})`];
    if (root !== undefined)
      lines.push(
        `  root's ping-daemon runs (pid ${root}): ping-daemon status --pid-file ${ROOT_PID_FILE}`,
      );
    print(lines, { running: false, pidFile, ...(root === undefined ? {} : { rootPid: root }) });
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
  let lines = describeState(found.pid, state, new Date());
  if (!json && process.stdout.isTTY) {
    addSparklines(lines, state);
    lines = fitWidth(lines, process.stdout.columns || 80);
    if (wantsColour(true, process.env)) lines = colourStates(lines);
  }
  print(lines, {
    running: true,
    pidFile,
    ...toStateFile(state),
  });
  return ExitCode.ok;
}
