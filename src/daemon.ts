// The running daemon, whether in the foreground (`run`) or detached (`start`'s stage 2): opens
// its resources in order, starts the service, and owns the one shutdown sequence.
import { performance } from 'node:perf_hooks';
import { ExitCode, userMessage } from './errors.js';
import { openOrExplain } from './files.js';
import { acquirePidFile, releasePidFile } from './pid-file.js';
import { findPing } from './ping-exec.js';
import { PingLog } from './ping-log.js';
import { createProbe } from './probe.js';
import { PingService } from './service.js';
import { openServiceLog } from './service-log.js';
import type { Settings } from './settings.js';
import { installSignalHandlers } from './signals.js';

export interface DaemonHooks {
  /** Re-reads the settings for SIGHUP (command line, environment and config file again). */
  reread(): Settings;
  /** Called once the schedule runs (start's readiness report). */
  onReady?(pid: number): void;
}

/**
 * Starts everything; resolves with the exit code once the daemon has stopped. Throws (before
 * anything runs) the StartupError that keeps it from starting.
 */
export function runDaemon(settings: Settings, hooks: DaemonHooks): Promise<number> {
  process.title = `ping-daemon: ${settings.host}`;
  process.umask(settings.umask);
  const pingPath = findPing(settings.pingDir);
  const pingLog = openOrExplain(
    settings.logFile,
    '--log-file',
    () => new PingLog(settings.logFile),
  );
  const serviceLog = openOrExplain(settings.serviceLog ?? 'stderr', '--service-log', () =>
    openServiceLog(settings.serviceLog, settings.logLevel),
  );
  const { logger } = serviceLog;
  let replaced: ReturnType<typeof acquirePidFile>['replaced'];
  try {
    replaced = openOrExplain(settings.pidFile, '--pid-file', () =>
      acquirePidFile(settings.pidFile),
    ).replaced;
  } catch (err) {
    pingLog.close();
    serviceLog.close();
    throw err;
  }
  if (replaced) {
    logger.warn({ pidFile: settings.pidFile, stalePid: replaced }, 'replaced a stale PID file');
  }

  const service = new PingService({
    settings,
    probe: createProbe(pingPath),
    log: pingLog,
    logger,
    clock: performance,
    timers: { setTimeout, clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
    wallClock: () => new Date(),
  });

  return new Promise<number>((resolve) => {
    let exited = false;
    // The shutdown order, in one place: stop the schedule and let the probe in flight write its
    // end line, log, drop the PID file, close the files.
    const finish = (code: number, message: string, fields: object = {}): void => {
      if (exited) return;
      exited = true;
      removeSignals();
      logger.info({ ...fields, stats: service.stats }, message);
      releasePidFile(settings.pidFile);
      pingLog.close();
      serviceLog.close();
      resolve(code);
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
      reload: () => {
        try {
          pingLog.reopen();
          serviceLog.reopen();
        } catch (err) {
          logger.error({ err }, `cannot reopen the logs: ${userMessage(err)}`);
        }
        try {
          const next = hooks.reread();
          const changed = service.reload(next);
          logger.level = next.logLevel;
          logger.info({ changed, config: next.configFile }, 'reloaded');
        } catch (err) {
          logger.error({ err }, `reload failed, keeping the old settings: ${userMessage(err)}`);
        }
      },
    });
    process.on('uncaughtException', (err) => {
      logger.fatal({ err }, 'crashed');
      service.abort();
      finish(ExitCode.failure, 'exiting after a crash');
    });
    service.start();
    logger.info(
      {
        host: settings.host,
        intervalMs: settings.intervalMs,
        timeoutMs: settings.timeoutMs,
        count: settings.count,
        logFile: settings.logFile,
        format: settings.format,
        pidFile: settings.pidFile,
        ping: pingPath,
      },
      'started',
    );
    hooks.onReady?.(process.pid);
  });
}
