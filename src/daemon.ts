// The running daemon, whether in the foreground (`run`) or detached (`start`'s stage 2): opens
// its resources in order, starts the service, and owns the one shutdown sequence.
import { performance } from 'node:perf_hooks';
import { ExitCode, userMessage } from './errors.js';
import { openOrExplain } from './files.js';
import { acquirePidFile, releasePidFile } from './pid-file.js';
import { findPing } from './ping-exec.js';
import { PingLog } from './ping-log.js';
import { dropPrivileges } from './privileges.js';
import { createProbe } from './probe.js';
import { PingService } from './service.js';
import { openServiceLog } from './service-log.js';
import type { Settings } from './settings.js';
import { installSignalHandlers } from './signals.js';
import { type DaemonState, removeState, stateFilePath, writeState } from './state-file.js';

export interface DaemonHooks {
  /** Re-reads the settings for SIGHUP (command line, environment and config file again). */
  reread(): Settings;
  /** Called once the schedule runs (start's readiness report). */
  onReady?(pid: number): void;
}

/** Runs `steps` in order; if one throws, undoes the ones before it, newest first. */
function openAll(steps: (() => (() => void) | undefined)[]): () => void {
  const undo: (() => void)[] = [];
  try {
    for (const step of steps) {
      const close = step();
      if (close) undo.unshift(close);
    }
  } catch (err) {
    for (const close of undo) close();
    throw err;
  }
  return () => {
    for (const close of undo) close();
  };
}

/**
 * Starts everything; resolves with the exit code once the daemon has stopped. Throws, before the
 * schedule runs and with everything opened so far closed again, the error that stops it.
 */
export function runDaemon(settings: Settings, hooks: DaemonHooks): Promise<number> {
  process.title = `ping-daemon: ${settings.host}`;
  process.umask(settings.umask);
  const pingPath = findPing(settings.pingDir);
  const statePath = stateFilePath(settings.pidFile);
  let pingLog: PingLog | undefined;
  let serviceLog: ReturnType<typeof openServiceLog> | undefined;
  let replaced: ReturnType<typeof acquirePidFile>['replaced'];
  // The order matters: files first (as root), then the PID file, then drop privileges.
  const closeAll = openAll([
    () => {
      const log = openOrExplain(
        settings.logFile,
        '--log-file',
        () => new PingLog(settings.logFile),
      );
      pingLog = log;
      return () => log.close();
    },
    () => {
      const log = openOrExplain(settings.serviceLog ?? 'stderr', '--service-log', () =>
        openServiceLog(settings.serviceLog, settings.logLevel),
      );
      serviceLog = log;
      return () => log.close();
    },
    () => {
      replaced = openOrExplain(settings.pidFile, '--pid-file', () =>
        acquirePidFile(settings.pidFile),
      ).replaced;
      return () => {
        removeState(statePath, process.pid);
        releasePidFile(settings.pidFile);
      };
    },
    () => {
      dropPrivileges(settings.user, settings.group);
      return undefined;
    },
  ]);
  if (!pingLog || !serviceLog) throw new Error('unreachable: the logs were opened above');
  const { logger } = serviceLog;
  if (replaced) {
    logger.warn({ pidFile: settings.pidFile, stale: replaced }, 'replaced a stale PID file');
  }

  const service = new PingService({
    settings,
    probe: createProbe(pingPath),
    log: pingLog,
    logger,
    clock: performance,
    timers: { setTimeout, clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
    wallClock: () => new Date(),
    onProbe: () => publishSoon(),
  });

  let current = settings;
  const state: DaemonState = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    ...stateOf(settings),
    reloads: 0,
    lastReload: null,
    stats: service.stats,
  };
  // The state file is replaced at most once a second, however short the interval.
  let publishTimer: NodeJS.Timeout | undefined;
  let publishedAt = 0;
  const publish = (): void => {
    clearTimeout(publishTimer);
    publishTimer = undefined;
    publishedAt = performance.now();
    try {
      writeState(statePath, { ...state, ...stateOf(current), stats: service.stats });
    } catch (err) {
      logger.warn({ err, path: statePath }, 'cannot write the state file');
    }
  };
  function publishSoon(): void {
    publishTimer ??= setTimeout(publish, Math.max(0, publishedAt + 1000 - performance.now()));
  }

  return new Promise<number>((resolve) => {
    let exited = false;
    // The shutdown order, in one place: stop the schedule and let the probe in flight write its
    // end line, log, drop the PID and state files, close the logs.
    const finish = (code: number, message: string, fields: object = {}): void => {
      if (exited) return;
      exited = true;
      clearTimeout(publishTimer);
      removeSignals();
      logger.info({ ...fields, stats: service.stats }, message);
      closeAll();
      resolve(code);
    };
    const reload = (): void => {
      state.reloads++;
      const reopen = [pingLog, serviceLog].map((file) => {
        try {
          file?.reopen();
          return undefined;
        } catch (err) {
          return userMessage(err);
        }
      });
      try {
        const next = hooks.reread();
        const changed = service.reload(next);
        current = next;
        logger.level = next.logLevel;
        state.lastReload = { time: new Date().toISOString(), ok: true };
        logger.info({ changed, config: next.configFile }, 'reloaded');
      } catch (err) {
        const error = userMessage(err);
        state.lastReload = { time: new Date().toISOString(), ok: false, error };
        logger.error({ err }, `reload failed, keeping the old settings: ${error}`);
      }
      for (const error of reopen) if (error) logger.error(`cannot reopen a log: ${error}`);
      publish();
    };
    const removeSignals = installSignalHandlers({
      stop: (signal) => {
        logger.info({ signal }, 'stopping: waiting for the probe in flight');
        service.stop().then(() => finish(ExitCode.ok, 'stopped', { signal }));
      },
      stopNow: (signal) => {
        service.abort();
        finish(ExitCode.ok, 'stopped at once by a second signal', { signal });
      },
      reload,
    });
    process.on('uncaughtException', (err) => {
      logger.fatal({ err }, 'crashed');
      service.abort();
      finish(ExitCode.failure, 'exiting after a crash');
    });
    service.start();
    publish();
    logger.info({ ...stateOf(settings), pidFile: settings.pidFile, ping: pingPath }, 'started');
    hooks.onReady?.(process.pid);
  });
}

function stateOf(s: Settings) {
  return {
    host: s.host,
    intervalMs: s.intervalMs,
    timeoutMs: s.timeoutMs,
    count: s.count,
    format: s.format,
    logFile: s.logFile,
    serviceLog: s.serviceLog ?? null,
    configFile: s.configFile ?? null,
  };
}
