// The running daemon, whether in the foreground (`run`) or detached (`start`'s stage 2): an object
// that opens its resources in order, starts the service, and owns the one shutdown sequence. The
// signal handlers call its methods (stop, stopNow, reload, reopen, ignored).
import type { Server } from 'node:http';
import inspector from 'node:inspector';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { statusPageUrl } from '../alerts/alertmanager.js';
import { HealthMonitor } from '../alerts/monitor.js';
import { Notifier } from '../alerts/notifier.js';
import { ENV_PREFIX } from '../config/options.js';
import { AUTO_FPING_FROM } from '../config/prober.js';
import type { Settings } from '../config/settings.js';
import type { ProbeTarget } from '../config/targets.js';
import { ExitCode, StartupError } from '../errors.js';
import type { StatusPage } from '../graphs/status-page.js';
import { HistoryRecorder } from '../history/recorder.js';
import { findRrdtool, HistoryStore } from '../history/store.js';
import { packageVersion } from '../paths.js';
import { Fleet, type FleetParts } from '../probing/fleet.js';
import { PingLauncher } from '../probing/launcher.js';
import { findPing } from '../probing/ping-exec.js';
import { type ProbeResult, UNKNOWN_HOST } from '../probing/ping-result.js';
import { createProbe } from '../probing/probe.js';
import { nodeTimers } from '../probing/schedule.js';
import { PingService } from '../probing/service.js';
import { settleWithin } from '../settle.js';
import type { PingMetrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/service-log.js';
import { reload } from './reload.js';
import { openResources, type Resources } from './resources.js';
import { installSignalHandlers, type SignalActions } from './signals.js';
import {
  type DaemonState,
  keptInvocation,
  leftState,
  type StartedBy,
  stateFilePath,
} from './state-file.js';
import { StatePublisher } from './state-publisher.js';

export interface DaemonHooks {
  /** The command line and directory the daemon was started from (for `restart`). */
  invocation: { args: string[]; cwd: string };
  /** Re-reads the settings for SIGHUP (command line, environment and config file again). */
  reread(): Settings | Promise<Settings>;
  /**
   * Called once the first probe has ended, or READY_WAIT_MS after the schedule began (start's
   * readiness report), with the hosts whose name that probe could not resolve.
   */
  onReady?(pid: number, unresolved: string[]): void;
}

/**
 * How long a stop waits for the notifications still queued (a host that went down just before
 * it): under `stop`'s own 10 s, so the daemon is gone before `stop` gives up on it.
 */
const DRAIN_MS = 5000;

/**
 * How long the readiness report waits for the first probe to end: long enough for any host that
 * answers, short enough that `start` of a silent host does not wait for its timeout.
 */
export const READY_WAIT_MS = 1000;

/** What an open daemon holds. */
interface Parts {
  resources: Resources;
  logger: Logger;
  service: PingService;
  monitor: HealthMonitor;
  notifier: Notifier;
  publisher: StatePublisher;
  metrics: PingMetrics | undefined;
  server: Server | undefined;
  pingPath: string;
}

/**
 * Starts everything; resolves with the exit code once the daemon has stopped. Throws, before the
 * schedule runs and with everything opened so far closed again, the error that stops it.
 */
export async function runDaemon(settings: Settings, hooks: DaemonHooks): Promise<number> {
  const daemon = new Daemon(settings, hooks);
  await daemon.open();
  return daemon.start();
}

export class Daemon implements SignalActions {
  readonly #started: Settings;
  #current: Settings;
  readonly #hooks: DaemonHooks;
  #parts: Parts | undefined;
  #removeSignals: () => void = () => {};
  /** A stop asked for before the daemon was up; carried out as soon as it is. */
  #stopEarly: NodeJS.Signals | undefined;
  #stopping = false;
  #resolve: ((code: number) => void) | undefined;
  #exited = false;
  /** Reloads run one after another, however many SIGHUPs arrive at once. */
  #reloading = Promise.resolve();
  readonly #startedAt = new Date();
  readonly #invocation: StartedBy;
  #reloads = 0;
  /** Consolidated history (--history-dir), when rrdtool and the directory allow. */
  #history: HistoryRecorder | undefined;
  /** The status page's history, with --metrics-listen only. */
  #page: StatusPage | undefined;
  #lastReload: DaemonState['lastReload'] = null;
  /** Told of each result until the readiness report has gone. */
  #beforeReady: ((host: string, result: ProbeResult) => void) | undefined;

  constructor(settings: Settings, hooks: DaemonHooks) {
    this.#started = settings;
    this.#current = settings;
    this.#hooks = hooks;
    this.#invocation = keptInvocation({
      ...hooks.invocation,
      env: Object.fromEntries(
        Object.entries(process.env).filter(
          (e): e is [string, string] => e[0].startsWith(`${ENV_PREFIX}_`) && e[1] !== undefined,
        ),
      ),
    });
  }

  /** Opens the files, drops privileges, binds the metrics port. Undone again if a step fails. */
  async open(): Promise<void> {
    const settings = this.#started;
    refuseInspector();
    process.title = `ping-daemon: ${describeHosts(settings.targets)}`;
    process.umask(settings.umask);
    const pingPath = findPing(settings.pingDir, settings.prober);
    // Signals are taken over before the first file is created. Node runs handlers between turns
    // of the event loop and opening is one synchronous turn, so a SIGTERM that arrives during it
    // is handled once the daemon is up, and stops it properly, instead of killing it between
    // creating the PID file and removing it.
    this.#removeSignals = installSignalHandlers(this);
    let resources: Resources | undefined;
    try {
      resources = openResources(settings);
      const { logger } = resources.serviceLog;
      if (resources.replaced) {
        logger.warn(
          { pidFile: settings.pidFile, stale: resources.replaced },
          'replaced a stale PID file',
        );
      }
      this.#history = openHistory(settings.historyDir, resources.historyProblem, logger);
      const { metrics, server } = await this.#serveMetrics();
      const notifier = new Notifier({
        logger,
        onOutcome: (channel, outcome, seconds) => metrics?.notified(channel, outcome, seconds),
        onDepth: (channel, length) => metrics?.queued(channel, length),
        generatorURL: statusPageUrl(settings.metricsListen, hostname()),
        vantage: settings.vantage,
      });
      const monitor = new HealthMonitor(settings.targets, { logger, notifier, metrics });
      // Read before the first state file of this daemon replaces it.
      const left = leftState(stateFilePath(settings.pidFile));
      if (left) {
        const carried = monitor.carryOver(left.health);
        logger.info(
          { pid: left.pid, hosts: carried },
          `carried on the state of ${carried} ${carried === 1 ? 'host' : 'hosts'} from the daemon before (pid ${left.pid}), which did not stop cleanly`,
        );
      }
      const service = this.#createService(resources, logger, pingPath, metrics, monitor);
      metrics?.watchLog(() => service.logHealth);
      const publisher = new StatePublisher(
        stateFilePath(settings.pidFile),
        () => this.#state(service, monitor),
        { logger },
      );
      this.#parts = {
        resources,
        logger,
        service,
        monitor,
        notifier,
        publisher,
        metrics,
        server,
        pingPath,
      };
    } catch (err) {
      this.#removeSignals();
      resources?.abandon();
      throw err;
    }
  }

  /** Runs the schedule; resolves with the exit code once the daemon has stopped. */
  start(): Promise<number> {
    const parts = this.#up();
    const { service, publisher, logger } = parts;
    return new Promise<number>((resolve) => {
      this.#resolve = resolve;
      process.on('uncaughtException', (err) => {
        logger.fatal({ err }, 'crashed');
        void service.abort();
        this.#finish(ExitCode.failure, 'exiting after a crash');
      });
      // What takes time with many hosts comes before the schedules start from now: the first
      // state file, the log line.
      publisher.now();
      logger.info(
        {
          ...describeSettings(this.#started, LOGGED_TARGETS),
          vantage: this.#started.vantage,
          pidFile: this.#started.pidFile,
          ping: parts.pingPath,
          metrics: this.#started.metricsListen,
        },
        'started',
      );
      if (
        this.#started.prober === 'ping' &&
        this.#started.targets.length >= AUTO_FPING_FROM &&
        this.#started.proberWhy.startsWith('auto')
      ) {
        logger.warn(
          { hosts: this.#started.targets.length },
          `${this.#started.targets.length} hosts probed with one ping each per tick, since fping is not installed: install it (apt-get install fping) and restart, and --prober auto uses it (docs/fleets.md)`,
        );
      }
      service.start();
      this.#reportReady();
      if (this.#stopEarly) this.stop(this.#stopEarly);
    });
  }

  /**
   * Start's readiness report, once the daemon has come through its first probe: spawned ping,
   * read its answer, written the end line and told the monitor. A probe still running after
   * READY_WAIT_MS (a silent host) is as good: the schedule runs.
   */
  #reportReady(): void {
    const { onReady } = this.#hooks;
    if (onReady === undefined) return;
    const unresolved = new Set<string>();
    let due = false;
    let sent = false;
    const send = (): void => {
      if (sent) return;
      sent = true;
      clearTimeout(timer);
      this.#beforeReady = undefined;
      // So that `status` just after `start` shows the first probe (unless the state is so big
      // that writing it would hold up the first ticks: 0.4 s for 10,000 hosts).
      this.#parts?.publisher.nowIfCheap();
      onReady(process.pid, [...unresolved]);
    };
    const timer = setTimeout(send, READY_WAIT_MS);
    this.#beforeReady = (host, result) => {
      if (result.error === UNKNOWN_HOST) unresolved.add(host);
      // After the rest of this turn: the fleet prober reports many hosts at once.
      if (!due) setImmediate(send);
      due = true;
    };
  }

  /** Lets the probes in flight finish, then exits. */
  stop(signal: NodeJS.Signals): void {
    if (this.#resolve === undefined) {
      this.#stopEarly = signal;
      return;
    }
    const { service, notifier, logger } = this.#up();
    this.#stopping = true;
    // No hook starts from here on; those under way get the drain.
    notifier.close();
    logger.info({ signal }, 'stopping: waiting for the probes in flight');
    service
      .stop()
      .then(() => notifier.drain(DRAIN_MS))
      .then(() => this.#finish(ExitCode.ok, 'stopped', { signal }));
  }

  /** A second stop signal: the probes in flight get their end lines now, then exits. */
  stopNow(signal: NodeJS.Signals): void {
    if (this.#resolve === undefined) {
      this.#stopEarly = signal;
      return;
    }
    const { service, notifier } = this.#up();
    Promise.all([service.abort(), notifier.drain(0)]).then(() =>
      this.#finish(ExitCode.ok, 'stopped at once by a second signal', { signal }),
    );
  }

  reload(): void {
    if (this.#resolve === undefined) return; // opened a moment ago: nothing to read again yet
    this.#reloading = this.#reloading.then(() => this.#reload());
  }

  reopen(signal: NodeJS.Signals): void {
    if (this.#resolve === undefined) return; // opened a moment ago
    const { resources, logger } = this.#up();
    const problems = resources.reopen();
    logger.info(
      { signal, problems },
      problems.length ? 'reopened the logs, with problems' : 'reopened the logs',
    );
  }

  ignored(signal: NodeJS.Signals): void {
    this.#parts?.logger.info({ signal }, `ignored ${signal}: a daemon has no terminal to stop for`);
  }

  async #reload(): Promise<void> {
    const { resources, service, logger, publisher } = this.#up();
    this.#reloads++;
    const { settings, outcome } = await reload({
      started: this.#started,
      reread: this.#hooks.reread,
      reopenLogs: () => resources.reopen(),
      apply: (next) => {
        const changed = service.reload(next);
        this.#up().monitor.reload(next.targets);
        this.#up().notifier.reload(next.targets);
        process.title = `ping-daemon: ${describeHosts(next.targets)}`;
        return changed;
      },
      logger,
      now: () => new Date(),
    });
    if (settings) this.#current = settings;
    this.#lastReload = outcome;
    publisher.now();
  }

  /**
   * The shutdown order, in one place: (the caller has stopped the service,) stop publishing,
   * close the metrics server, release the signals, log, write the history's closed minutes (within
   * HISTORY_CLOSE_MS: a stuck disk does not hold the stop), then drop the PID and state files and
   * close the logs, so that a `stop` that has returned finds the history written.
   */
  #finish(code: number, message: string, fields: object = {}): void {
    if (this.#exited) return;
    this.#exited = true;
    const { publisher, server, logger, service, resources } = this.#up();
    publisher.stop();
    server?.close();
    server?.closeAllConnections();
    this.#removeSignals();
    logger.info({ ...fields, stats: service.stats }, message);
    void settleWithin(this.#history?.close(), HISTORY_CLOSE_MS).then(() => {
      resources.close();
      this.#resolve?.(code);
    });
  }

  #up(): Parts {
    if (this.#parts === undefined) throw new Error('the daemon is not open');
    return this.#parts;
  }

  async #serveMetrics(): Promise<Pick<Parts, 'metrics' | 'server'>> {
    const listen = this.#started.metricsListen;
    if (!listen) return { metrics: undefined, server: undefined };
    // Loaded only when asked for: prom-client costs start-up time and memory.
    const { PingMetrics, serveMetrics } = await import('../telemetry/metrics.js');
    const { StatusPage, refreshOf } = await import('../graphs/status-page.js');
    const metrics = new PingMetrics(this.#started.vantage, {
      version: packageVersion(),
      prober: this.#started.prober,
    });
    const history = this.#history?.store;
    const { readHistory } = await import('../graphs/archive-source.js');
    const page = new StatusPage(
      history &&
        (async (host, from, to, columns) =>
          history.has(host)
            ? (await readHistory(history, [host], from, to, columns)).get(host)
            : undefined),
    );
    this.#page = page;
    const server = await serveMetrics(
      metrics,
      listen,
      () => !this.#stopping,
      (query) =>
        page.html({
          targets: this.#current.targets,
          stats: this.#parts?.service.stats.hosts ?? {},
          health: this.#parts?.monitor.summary ?? {},
          now: Date.now(),
          refreshS: refreshOf(query.get('refresh')),
          host: query.get('host'),
          vantage: this.#started.vantage,
        }),
    );
    return { metrics, server };
  }

  #createService(
    resources: Resources,
    logger: Logger,
    pingPath: string,
    metrics: PingMetrics | undefined,
    monitor: HealthMonitor,
  ): PingService {
    const fleet =
      this.#started.prober === 'fping'
        ? (parts: Pick<FleetParts, 'report' | 'log'>) =>
            new Fleet({ ...parts, fpingPath: pingPath, now: Date.now })
        : undefined;
    // The default prober's pings are forked by a small long-lived shell (launcher.ts).
    const launcher = fleet ? undefined : new PingLauncher(pingPath);
    return new PingService({
      settings: this.#started,
      probe: createProbe(pingPath, launcher),
      ...(launcher ? { endProbes: () => launcher.close() } : {}),
      ...(fleet ? { fleet } : {}),
      log: resources.pingLog,
      vantage: this.#started.vantage,
      logger,
      clock: performance,
      timers: nodeTimers,
      wallClock: () => new Date(),
      onResult: (host, result, time, seq) => {
        this.#beforeReady?.(host, result);
        metrics?.observe(host, result, time);
        this.#page?.observe(host, result, time);
        this.#history?.observe(
          host,
          result.status === 'up' ? result.rttMs : undefined,
          result.lossPct,
          time.getTime(),
        );
        // A change of state is in the state file at once (changes that come together are
        // written once); counters within a second.
        if (monitor.observe(host, seq, result, time)) this.#parts?.publisher.promptly();
        else this.#parts?.publisher.soon();
      },
      onRemove: (host) => {
        metrics?.remove(host);
        this.#page?.remove(host);
        this.#history?.retire(host);
      },
    });
  }

  /** What the state file shows: the settings in force, the service's counters, the reloads. */
  #state(service: PingService, monitor: HealthMonitor): DaemonState {
    return {
      pid: process.pid,
      startedAt: this.#startedAt,
      invocation: this.#invocation,
      reloads: this.#reloads,
      lastReload: this.#lastReload,
      ...describeSettings(this.#current),
      // The ones it started with: a reload changes neither (reload.ts).
      vantage: this.#started.vantage,
      prober: this.#started.prober,
      proberWhy: this.#started.proberWhy,
      stats: service.stats,
      health: monitor.summary,
      channels: this.#up().notifier.report,
    };
  }
}

/** How long a stop waits for the history's last writes. */
const HISTORY_CLOSE_MS = 5000;

/** The history recorder, or `undefined` (and a warning that says why) when it cannot run. */
function openHistory(
  dir: string | undefined,
  problem: string | undefined,
  logger: Logger,
): HistoryRecorder | undefined {
  if (dir === undefined) return undefined;
  const off = '; no history is kept (graphs then read the ping log)';
  if (problem !== undefined) {
    logger.warn({ dir }, `--history-dir ${dir} ${problem}${off}`);
    return undefined;
  }
  const rrdtool = findRrdtool();
  if (rrdtool === undefined) {
    logger.warn({ dir }, `rrdtool not found; install it (apt-get install rrdtool)${off}`);
    return undefined;
  }
  const recorder = new HistoryRecorder(new HistoryStore(dir, rrdtool), logger);
  recorder.start();
  return recorder;
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

/** `127.0.0.1`, or `127.0.0.1 +2` for three hosts: the process title. */
export function describeHosts(targets: ProbeTarget[]): string {
  const [first] = targets;
  return `${first?.host ?? ''}${targets.length > 1 ? ` +${targets.length - 1}` : ''}`;
}

/** The settings the state file and the `started` line show: no channel (a webhook is a secret). */
/**
 * The hosts the 'started' line lists: a line of 10,000 would be 1.5 MB, which journald cuts
 * into pieces (LineMax); `status` and the state file have them all.
 */
const LOGGED_TARGETS = 20;

function describeSettings(s: Settings, most = Number.POSITIVE_INFINITY) {
  return {
    targets: s.targets.slice(0, most).map(({ notify: _secret, ...shown }) => shown),
    ...(s.targets.length > most ? { hosts: s.targets.length } : {}),
    prober: s.prober,
    proberWhy: s.proberWhy,
    format: s.format,
    logFile: s.logFile,
    historyDir: s.historyDir ?? null,
    serviceLog: s.serviceLog ?? null,
    configFile: s.configFile ?? null,
  };
}
