// The running daemon, whether in the foreground (`run`) or detached (`start`'s stage 2): opens
// its resources in order, starts the service, and owns the one shutdown sequence.

import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ExitCode, userMessage } from './errors.js';
import { openOrExplain } from './files.js';
import type { PingMetrics } from './metrics.js';
import { acquirePidFile, type PidFileState, releasePidFile } from './pid-file.js';
import { findPing } from './ping-exec.js';
import { PingLog } from './ping-log.js';
import { dropPrivileges } from './privileges.js';
import { createProbe } from './probe.js';
import { PingService } from './service.js';
import { openServiceLog, type ServiceLog } from './service-log.js';
import type { Settings } from './settings.js';
import { installSignalHandlers, type SignalActions } from './signals.js';
import { type DaemonState, removeState, stateFilePath } from './state-file.js';
import { StatePublisher } from './state-publisher.js';
import type { Target } from './targets.js';

/** Settings a reload cannot apply: files already open, privileges already dropped, a bound port. */
const RESTART_ONLY = [
  'logFile',
  'pidFile',
  'serviceLog',
  'umask',
  'user',
  'group',
  'pingDir',
  'metricsListen',
] as const satisfies readonly (keyof Settings)[];

export interface DaemonHooks {
  /** Re-reads the settings for SIGHUP (command line, environment and config file again). */
  reread(): Settings | Promise<Settings>;
  /** Called once the schedule runs (start's readiness report). */
  onReady?(pid: number): void;
}

interface Resources {
  pingLog: PingLog;
  serviceLog: ServiceLog;
  /** The stale PID file replaced, if one was. */
  replaced: PidFileState | undefined;
  close(): void;
}

/**
 * Opens the files in the order that matters: the logs and the PID file while still root, then
 * drops privileges. If a step fails, the steps before it are undone.
 */
function openResources(settings: Settings): Resources {
  const undo: (() => void)[] = [];
  const close = (): void => {
    for (const step of undo.splice(0).reverse()) step();
  };
  try {
    const pingLog = openOrExplain(
      settings.logFile,
      '--log-file',
      () => new PingLog(settings.logFile),
    );
    undo.push(() => pingLog.close());
    const serviceLog = openOrExplain(settings.serviceLog ?? 'stderr', '--service-log', () =>
      openServiceLog(settings.serviceLog, settings.logLevel),
    );
    undo.push(() => serviceLog.close());
    const { replaced } = openOrExplain(settings.pidFile, '--pid-file', () =>
      acquirePidFile(settings.pidFile),
    );
    undo.push(() => {
      removeState(stateFilePath(settings.pidFile), process.pid);
      releasePidFile(settings.pidFile);
    });
    dropPrivileges(settings.user, settings.group);
    return { pingLog, serviceLog, replaced, close };
  } catch (err) {
    close();
    throw err;
  }
}

/**
 * Starts everything; resolves with the exit code once the daemon has stopped. Throws, before the
 * schedule runs and with everything opened so far closed again, the error that stops it.
 */
export async function runDaemon(settings: Settings, hooks: DaemonHooks): Promise<number> {
  process.title = `ping-daemon: ${describeHosts(settings.targets)}`;
  process.umask(settings.umask);
  const pingPath = findPing(settings.pingDir);
  // Signals are taken over before the first file is created. Node runs handlers between turns of
  // the event loop and start-up below is one synchronous turn, so a SIGTERM that arrives during
  // it is handled once the daemon is up, and stops it properly, instead of killing it between
  // creating the PID file and removing it.
  // Until the daemon is up, a stop is only noted; it is carried out as soon as it is.
  let stopEarly: NodeJS.Signals | undefined;
  const actions: SignalActions = {
    stop: (signal) => {
      stopEarly = signal;
    },
    stopNow: (signal) => {
      stopEarly = signal;
    },
    reload: () => {},
  };
  const removeSignals = installSignalHandlers({
    stop: (signal) => actions.stop(signal),
    stopNow: (signal) => actions.stopNow(signal),
    reload: () => actions.reload(),
  });
  let resources: Resources;
  try {
    resources = openResources(settings);
  } catch (err) {
    removeSignals();
    throw err;
  }
  const { pingLog, serviceLog } = resources;
  const { logger } = serviceLog;
  if (resources.replaced) {
    logger.warn(
      { pidFile: settings.pidFile, stale: resources.replaced },
      'replaced a stale PID file',
    );
  }

  let metrics: PingMetrics | undefined;
  let server: Server | undefined;
  let stopping = false;
  if (settings.metricsListen) {
    try {
      // Loaded only when asked for: prom-client costs start-up time and memory.
      const { PingMetrics, serveMetrics } = await import('./metrics.js');
      metrics = new PingMetrics();
      server = await serveMetrics(metrics, settings.metricsListen, () => !stopping);
    } catch (err) {
      removeSignals();
      resources.close();
      throw err;
    }
  }

  let current = settings;
  const service: PingService = new PingService({
    settings,
    probe: createProbe(pingPath),
    log: pingLog,
    logger,
    clock: performance,
    timers: { setTimeout, clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
    wallClock: () => new Date(),
    onResult: (host, result, time) => {
      metrics?.observe(host, result, time);
      publisher.soon();
    },
    onRemove: (host) => metrics?.remove(host),
  });
  // What the state file adds to the current settings and the service's counters.
  const state: Pick<DaemonState, 'pid' | 'startedAt' | 'reloads' | 'lastReload'> = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    reloads: 0,
    lastReload: null,
  };
  const publisher = new StatePublisher(
    stateFilePath(settings.pidFile),
    (): DaemonState => ({ ...state, ...stateOf(current), stats: service.stats }),
    logger,
  );

  const reload = async (): Promise<void> => {
    state.reloads++;
    for (const file of [pingLog, serviceLog]) {
      try {
        file.reopen();
      } catch (err) {
        logger.error({ err }, `cannot reopen a log: ${userMessage(err)}`);
      }
    }
    try {
      const next = await hooks.reread();
      const changed = service.reload(next);
      const pending = RESTART_ONLY.filter(
        (key) => JSON.stringify(next[key]) !== JSON.stringify(settings[key]),
      );
      if (pending.length > 0) {
        logger.warn(
          { settings: pending },
          `${pending.join(', ')}: these take effect at the next restart`,
        );
      }
      process.title = `ping-daemon: ${describeHosts(next.targets)}`;
      current = next;
      logger.level = next.logLevel;
      state.lastReload = { time: new Date().toISOString(), ok: true };
      logger.info({ changed, config: next.configFile }, 'reloaded');
    } catch (err) {
      const error = userMessage(err);
      state.lastReload = { time: new Date().toISOString(), ok: false, error };
      logger.error({ err }, `reload failed, keeping the old settings: ${error}`);
    }
    publisher.now();
  };

  return new Promise<number>((resolve) => {
    let exited = false;
    // The shutdown order, in one place: (the caller has stopped the service,) stop publishing,
    // release the signals, log, then drop the PID and state files and close the logs.
    const finish = (code: number, message: string, fields: object = {}): void => {
      if (exited) return;
      exited = true;
      publisher.stop();
      server?.close();
      server?.closeAllConnections();
      removeSignals();
      logger.info({ ...fields, stats: service.stats }, message);
      resources.close();
      resolve(code);
    };
    actions.stop = (signal) => {
      stopping = true;
      logger.info({ signal }, 'stopping: waiting for the probes in flight');
      service.stop().then(() => finish(ExitCode.ok, 'stopped', { signal }));
    };
    actions.stopNow = (signal) => {
      service.abort();
      finish(ExitCode.ok, 'stopped at once by a second signal', { signal });
    };
    // Reloads run one after another, however many SIGHUPs arrive at once.
    let reloading = Promise.resolve();
    actions.reload = () => {
      reloading = reloading.then(reload);
    };
    process.on('uncaughtException', (err) => {
      logger.fatal({ err }, 'crashed');
      service.abort();
      finish(ExitCode.failure, 'exiting after a crash');
    });
    service.start();
    publisher.now();
    logger.info(
      {
        ...stateOf(settings),
        pidFile: settings.pidFile,
        ping: pingPath,
        metrics: settings.metricsListen,
      },
      'started',
    );
    hooks.onReady?.(process.pid);
    if (stopEarly) actions.stop(stopEarly);
  });
}

/** `127.0.0.1`, or `127.0.0.1 +2` for three hosts: the process title. */
export function describeHosts(targets: Target[]): string {
  const [first] = targets;
  return `${first?.host ?? ''}${targets.length > 1 ? ` +${targets.length - 1}` : ''}`;
}

function stateOf(s: Settings) {
  return {
    targets: s.targets,
    format: s.format,
    logFile: s.logFile,
    serviceLog: s.serviceLog ?? null,
    configFile: s.configFile ?? null,
  };
}
