// SIGHUP (and `ping-daemon reload`): reopen the logs, read the settings again as at start (the
// command line, the environment, the config file), apply what can change while running, and
// say which changes wait for a restart. A bad config keeps the old settings. What happened is
// the LastReload the state file shows, which `reload` and `status` read.
import { performance } from 'node:perf_hooks';
import type { Settings } from '../config/settings.js';
import { userMessage } from '../errors.js';
import type { Logger } from '../telemetry/service-log.js';
import type { LastReload } from './state-file.js';

/** Settings a reload cannot apply: files already open, privileges already dropped, a bound port. */
const RESTART_ONLY = [
  'logFile',
  'pidFile',
  'serviceLog',
  'umask',
  'user',
  'group',
  'pingDir',
  'prober',
  'metricsListen',
  // A vantage renamed while running would split its series and strand its firing alerts.
  'vantage',
  'historyDir',
] as const satisfies readonly (keyof Settings)[];

/** The restart-only settings that differ between the running daemon's and the new ones. Pure. */
export function restartOnlyChanges(running: Settings, next: Settings): string[] {
  return RESTART_ONLY.filter((key) => JSON.stringify(next[key]) !== JSON.stringify(running[key]));
}

export interface ReloadTarget {
  /** The settings the daemon started with: its files and privileges are still those. */
  started: Settings;
  /** Reads the settings again. */
  reread(): Settings | Promise<Settings>;
  /** Reopens the logs; returns what could not be reopened. */
  reopenLogs(): string[];
  /** Applies the new settings to the running service; returns what changed, for the log. */
  apply(next: Settings): object;
  logger: Logger;
  now(): Date;
}

/** One reload; never throws. Returns the settings now in force (the new ones if they took). */
export async function reload(
  t: ReloadTarget,
): Promise<{ settings: Settings | undefined; outcome: LastReload }> {
  const began = performance.now();
  const warnings = t.reopenLogs();
  try {
    const next = await t.reread();
    const read = performance.now();
    const changed = t.apply(next);
    const pending = restartOnlyChanges(t.started, next);
    if (pending.length > 0) {
      t.logger.warn(
        { settings: pending },
        `${pending.join(', ')}: these take effect at the next restart`,
      );
    }
    t.logger.level = next.logLevel;
    t.logger.info(
      {
        changed,
        config: next.configFile,
        readMs: Math.round(read - began),
        applyMs: Math.round(performance.now() - read),
      },
      'reloaded',
    );
    return { settings: next, outcome: { time: t.now(), ok: true, warnings } };
  } catch (err) {
    const error = userMessage(err);
    t.logger.error({ err }, `reload failed, keeping the old settings: ${error}`);
    return { settings: undefined, outcome: { time: t.now(), ok: false, error, warnings } };
  }
}
