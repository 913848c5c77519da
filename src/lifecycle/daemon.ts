// The running daemon, whether in the foreground (`run`) or detached (`start`'s stage 2): opens
// its resources in order, starts the service, and owns the one shutdown sequence.

import { fchownSync, fstatSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import inspector from 'node:inspector';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultPidFile, ENV_PREFIX } from '../config/options.js';
import type { Settings } from '../config/settings.js';
import type { Target } from '../config/targets.js';
import { ExitCode, StartupError, userMessage } from '../errors.js';
import { ensurePidDirectory, openOrExplain } from '../ping-log/files.js';
import { LogFile } from '../ping-log/log-file.js';
import { findPing } from '../probing/ping-exec.js';
import { createProbe } from '../probing/probe.js';
import { PingService } from '../probing/service.js';
import type { PingMetrics } from '../telemetry/metrics.js';
import {
  type Logger,
  openServiceLog,
  reopenFailure,
  type ServiceLog,
} from '../telemetry/service-log.js';
import { acquirePidFile, otherWriter, type PidFileState, releasePidFile } from './pid-file.js';
import { dropPrivileges, type Identity, resolveIdentity, writableBy } from './privileges.js';
import { statFields } from './proc.js';
import { installSignalHandlers, type SignalActions } from './signals.js';
import { type DaemonState, removeState, stateFilePath } from './state-file.js';
import { StatePublisher } from './state-publisher.js';

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
  /** The command line and directory the daemon was started from (for `restart`). */
  invocation: { args: string[]; cwd: string };
  /** Re-reads the settings for SIGHUP (command line, environment and config file again). */
  reread(): Settings | Promise<Settings>;
  /** Called once the schedule runs (start's readiness report). */
  onReady?(pid: number): void;
}

interface Resources {
  pingLog: LogFile;
  serviceLog: ServiceLog;
  /** The stale PID file replaced, if one was. */
  replaced: PidFileState | undefined;
  /** Where a failure to follow a log's rotation is told, once the service log is open. */
  warn: { reopenFailed(path: string, err: unknown): void };
  close(): void;
  /** Closes, and removes the logs this start created while they are still empty (a failed start). */
  abandon(): void;
}

/** Removes a log this start created, if nothing was written to it. */
function removeIfEmpty(file: LogFile): void {
  try {
    if (file.created && fstatSync(file.fd).size === 0) unlinkSync(file.path);
  } catch {
    // gone already
  }
}

/**
 * Whatever the daemon writes after dropping root must be writable by the user it becomes: the
 * state file (beside the PID file) every second, the logs at every reopen. Refused at start,
 * with the path, rather than failing every second for months.
 */
function checkWritableAfterDrop(settings: Settings, who: Identity, files: LogFile[]): void {
  const pidDir = dirname(settings.pidFile);
  if (!writableBy(who, pidDir)) {
    throw new StartupError(
      `--user ${who.name} cannot write ${pidDir}, where the PID file and the state file go; ` +
        `choose a --pid-file in a directory ${who.name} can write (e.g. /run/ping-daemon/, owned by ${who.name})`,
    );
  }
  for (const file of files) {
    if (!writableBy(who, file.path)) {
      const flag = file.path === settings.logFile ? '--log-file' : '--service-log';
      throw new StartupError(
        `--user ${who.name} cannot write ${file.path}; make it writable by ${who.name} or choose another path with ${flag}`,
      );
    }
  }
}

/**
 * Opens the files in the order that matters: the logs and the PID file while still root, then
 * drops privileges. Logs this start created are handed to the daemon's user, so that it can
 * reopen them and logrotate's `create` gives their successors the same owner. If a step fails,
 * the steps before it are undone.
 */
function openResources(settings: Settings): Resources {
  const undo: (() => void)[] = [];
  const close = (): void => {
    for (const step of undo.splice(0).reverse()) step();
  };
  const created: LogFile[] = [];
  const abandon = (): void => {
    for (const file of created) removeIfEmpty(file);
    close();
  };
  let logger: Logger | undefined;
  const warn = {
    reopenFailed: (path: string, err: unknown) => logger?.warn({ err }, reopenFailure(path, err)),
  };
  try {
    const who = resolveIdentity(settings.user, settings.group);
    const pingLog = openOrExplain(
      settings.logFile,
      '--log-file',
      () =>
        new LogFile(settings.logFile, {
          onReopenError: (err) => err !== undefined && warn.reopenFailed(settings.logFile, err),
        }),
    );
    created.push(pingLog);
    undo.push(() => pingLog.close());
    const serviceLog = openOrExplain(settings.serviceLog ?? 'stderr', '--service-log', () =>
      openServiceLog(settings.serviceLog, settings.logLevel),
    );
    logger = serviceLog.logger;
    if (serviceLog.file) created.push(serviceLog.file);
    undo.push(() => serviceLog.close());
    const { fd: pidFd, replaced } = openOrExplain(settings.pidFile, '--pid-file', () => {
      const place = { uid: process.getuid?.() ?? -1, env: process.env };
      ensurePidDirectory(settings.pidFile, settings.pidFile === defaultPidFile(place));
      return acquirePidFile(settings.pidFile);
    });
    undo.push(() => {
      removeState(stateFilePath(settings.pidFile), process.pid);
      releasePidFile(settings.pidFile, process.pid, pidFd);
    });
    refuseSharedLog(settings.logFile);
    if (who !== undefined) {
      const files = serviceLog.file ? [pingLog, serviceLog.file] : [pingLog];
      for (const file of files) if (file.created) fchownSync(file.fd, who.uid, who.gid);
      checkWritableAfterDrop(settings, who, files);
    }
    dropPrivileges(who, settings.user);
    return { pingLog, serviceLog, replaced, warn, close, abandon };
  } catch (err) {
    abandon();
    throw err;
  }
}

/**
 * Two daemons on one log interleave their lines, whatever PID files they were given. Checked
 * once our log and PID file are open, so that two starting at once see each other: the later
 * one (by start time, then PID) gives way.
 */
function refuseSharedLog(logFile: string): void {
  // A writer without a PID file is starting too (or failing): give it a second to take one.
  const deadline = performance.now() + 1000;
  let writer = otherWriter(logFile);
  while (writer?.pidFile === undefined && writer !== undefined && performance.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    writer = otherWriter(logFile);
  }
  if (writer?.pidFile === undefined || !startedBefore(writer.pid, process.pid)) return;
  throw new StartupError(
    `another ping-daemon (pid ${writer.pid}, PID file ${writer.pidFile}) already writes ${logFile}; stop it first (ping-daemon stop --pid-file ${writer.pidFile}), or choose another --log-file`,
  );
}

/** Whether process `a` started before `b` (their start times in /proc, then their PIDs). */
function startedBefore(a: number, b: number): boolean {
  const start = (pid: number): number => {
    try {
      return Number(statFields(pid)[19]);
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  };
  const [x, y] = [start(a), start(b)];
  return x < y || (x === y && a < b);
}

/**
 * Node's inspector lets whoever reaches its port run code in the process: a daemon (often root)
 * never has one. `start` gives the daemon a clean environment; `run` refuses NODE_OPTIONS or
 * flags that opened it.
 */
function refuseInspector(): void {
  if (inspector.url() !== undefined) {
    inspector.close();
    throw new StartupError(
      "Node's inspector is open (--inspect in NODE_OPTIONS or node's flags): it would let any local user run code in the daemon; unset it",
    );
  }
}

/**
 * Starts everything; resolves with the exit code once the daemon has stopped. Throws, before the
 * schedule runs and with everything opened so far closed again, the error that stops it.
 */
export async function runDaemon(settings: Settings, hooks: DaemonHooks): Promise<number> {
  refuseInspector();
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
    reopen: () => {},
    ignored: () => {},
  };
  const removeSignals = installSignalHandlers({
    stop: (signal) => actions.stop(signal),
    stopNow: (signal) => actions.stopNow(signal),
    reload: () => actions.reload(),
    reopen: (signal) => actions.reopen(signal),
    ignored: (signal) => actions.ignored(signal),
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
      const { PingMetrics, serveMetrics } = await import('../telemetry/metrics.js');
      metrics = new PingMetrics();
      server = await serveMetrics(metrics, settings.metricsListen, () => !stopping);
    } catch (err) {
      removeSignals();
      resources.abandon();
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
  const state: Pick<DaemonState, 'pid' | 'startedAt' | 'reloads' | 'lastReload' | 'invocation'> = {
    pid: process.pid,
    invocation: {
      ...hooks.invocation,
      env: Object.fromEntries(
        Object.entries(process.env).filter(
          (e): e is [string, string] => e[0].startsWith(`${ENV_PREFIX}_`) && e[1] !== undefined,
        ),
      ),
    },
    startedAt: new Date().toISOString(),
    reloads: 0,
    lastReload: null,
  };
  const publisher = new StatePublisher(
    stateFilePath(settings.pidFile),
    (): DaemonState => ({ ...state, ...stateOf(current), stats: service.stats }),
    logger,
  );

  /** Reopens both logs; returns the failures (the old files stay open and written). */
  const reopenLogs = (): string[] => {
    const problems: string[] = [];
    const files: [string, { reopen(): void }][] = [[settings.logFile, pingLog]];
    if (settings.serviceLog !== undefined) files.push([settings.serviceLog, serviceLog]);
    for (const [path, file] of files) {
      try {
        file.reopen();
      } catch (err) {
        resources.warn.reopenFailed(path, err);
        problems.push(reopenFailure(path, err));
      }
    }
    return problems;
  };

  const reload = async (): Promise<void> => {
    state.reloads++;
    const warnings = reopenLogs();
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
      state.lastReload = { time: new Date().toISOString(), ok: true, warnings };
      logger.info({ changed, config: next.configFile }, 'reloaded');
    } catch (err) {
      const error = userMessage(err);
      state.lastReload = { time: new Date().toISOString(), ok: false, error, warnings };
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
    actions.reopen = (signal) => {
      const problems = reopenLogs();
      logger.info(
        { signal, problems },
        problems.length ? 'reopened the logs, with problems' : 'reopened the logs',
      );
    };
    actions.ignored = (signal) => {
      logger.info({ signal }, `ignored ${signal}: a daemon has no terminal to stop for`);
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
