// Prometheus metrics (--metrics-listen): per-host series fed by every probe result, prom-client's
// process metrics, and a small HTTP server for /metrics and /healthz. Owns its server; close()
// stops it.
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { HealthState } from '../alerts/state.js';
import type { ListenAddress } from '../config/option-checks.js';
import { StartupError } from '../errors.js';
import type { ProbeResult } from '../probing/ping-result.js';
import { ConnectionGuard } from './connection-guard.js';

const HEALTH_STATES: readonly HealthState[] = ['unknown', 'up', 'degraded', 'down'];

/** smokeping-style RTT buckets, seconds: from loopback (50 µs) to a poor satellite link (5 s). */
export const RTT_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
  5,
];

export class PingMetrics {
  readonly registry = new Registry();
  readonly #up: Gauge;
  readonly #rtt: Histogram;
  readonly #probes: Counter;
  readonly #loss: Gauge;
  readonly #last: Gauge;
  readonly #state: Gauge;
  readonly #changes: Counter;
  readonly #notifications: Counter;
  readonly #queued: Gauge;
  readonly #delivery: Histogram;
  readonly #sent: Counter;
  readonly #received: Counter;

  /**
   * `vantage` labels every series, process metrics included (docs/fleets.md), so that series of
   * several daemons stay apart wherever they meet: one Prometheus, a federation, remote write.
   */
  constructor(vantage: string, about: { version: string; prober: string }) {
    this.registry.setDefaultLabels({ vantage });
    const registers = [this.registry];
    // Always there while the daemon answers scrapes: what the rules' "vantage stopped reporting"
    // watches (config/ping-daemon.rules.yml), whatever the hosts do.
    new Gauge({
      name: 'ping_daemon_info',
      help: 'Always 1: the version of the daemon and how it probes.',
      labelNames: ['version', 'prober'],
      registers,
    }).set(about, 1);
    this.#up = new Gauge({
      name: 'ping_up',
      help: 'Whether the last probe got a reply (1) or not (0).',
      labelNames: ['host'],
      registers,
    });
    this.#rtt = new Histogram({
      name: 'ping_rtt_seconds',
      help: 'Round-trip time of the probes that got replies.',
      labelNames: ['host'],
      buckets: RTT_BUCKETS,
      registers,
    });
    this.#probes = new Counter({
      name: 'ping_probes_total',
      help: 'Probes run, by result.',
      labelNames: ['host', 'status'],
      registers,
    });
    this.#loss = new Gauge({
      name: 'ping_loss_ratio',
      help: 'Packet loss of the last probe, 0 to 1.',
      labelNames: ['host'],
      registers,
    });
    this.#last = new Gauge({
      name: 'ping_last_probe_timestamp_seconds',
      help: 'When the last probe ended, seconds since the epoch.',
      labelNames: ['host'],
      registers,
    });
    this.#state = new Gauge({
      name: 'ping_state',
      help: "The host's state for people (up, degraded, down, unknown): 1 for the current one.",
      labelNames: ['host', 'state'],
      registers,
    });
    this.#changes = new Counter({
      name: 'ping_state_changes_total',
      help: 'Changes of the host state since the daemon started.',
      labelNames: ['host'],
      registers,
    });
    this.#notifications = new Counter({
      name: 'ping_notifications_total',
      help: 'Notifications by channel (its short name) and outcome (ok, failed, dropped, abandoned).',
      labelNames: ['channel', 'outcome'],
      registers,
    });
    this.#queued = new Gauge({
      name: 'ping_notification_queue_length',
      help: "Notifications waiting in the channel's queue.",
      labelNames: ['channel'],
      registers,
    });
    this.#delivery = new Histogram({
      name: 'ping_notification_duration_seconds',
      help: 'How long a delivery took, its retries included.',
      labelNames: ['channel'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    // Loss over any window is 1 - rate(received) / rate(sent), whatever the count per probe.
    this.#sent = new Counter({
      name: 'ping_packets_sent_total',
      help: 'Echo requests sent.',
      labelNames: ['host'],
      registers,
    });
    this.#received = new Counter({
      name: 'ping_packets_received_total',
      help: 'Echo replies received.',
      labelNames: ['host'],
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
    // prom-client names three gauges `*_total`, which Prometheus reserves for counters, and
    // `promtool check metrics` rejects them; their per-type twins (nodejs_active_handles, …) stay.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      this.registry.removeSingleMetric(name);
    }
  }

  observe(host: string, result: ProbeResult, time: Date): void {
    this.#up.set({ host }, result.status === 'up' ? 1 : 0);
    this.#probes.inc({ host, status: result.status });
    if (result.rttMs !== undefined) this.#rtt.observe({ host }, result.rttMs / 1000);
    if (result.lossPct !== undefined) this.#loss.set({ host }, result.lossPct / 100);
    if (result.sent !== undefined) {
      this.#sent.inc({ host }, result.sent);
      this.#received.inc({ host }, result.replies ?? 0);
    }
    this.#last.set({ host }, time.getTime() / 1000);
  }

  /** The host's state; `changed`: it has just changed. */
  setState(host: string, state: HealthState, changed: boolean): void {
    for (const s of HEALTH_STATES) this.#state.set({ host, state: s }, s === state ? 1 : 0);
    if (changed) this.#changes.inc({ host });
    else this.#changes.inc({ host }, 0);
  }

  /** A notification's end on `channel`; a delivery tried (ok or failed) also counts its time. */
  notified(channel: string, outcome: string, seconds: number): void {
    this.#notifications.inc({ channel, outcome });
    if (outcome === 'ok' || outcome === 'failed') this.#delivery.observe({ channel }, seconds);
  }

  queued(channel: string, length: number): void {
    this.#queued.set({ channel }, length);
  }

  /** The ping log's health, read at each scrape: lines it could not take, and whether it can. */
  watchLog(read: () => { lostLines: number; logProblem?: unknown }): void {
    let counted = 0;
    new Counter({
      name: 'ping_log_lost_lines_total',
      help: 'Lines the ping log could not take (disk full, its directory gone).',
      registers: [this.registry],
      collect() {
        const { lostLines } = read();
        this.inc(lostLines - counted);
        counted = lostLines;
      },
    });
    new Gauge({
      name: 'ping_log_ok',
      help: 'Whether lines reach the file at the ping log path (0: see the service log or status).',
      registers: [this.registry],
      collect() {
        this.set(read().logProblem === undefined ? 1 : 0);
      },
    });
  }

  /** A host no longer pinged leaves no stale series behind. */
  remove(host: string): void {
    for (const metric of [
      this.#up,
      this.#rtt,
      this.#loss,
      this.#last,
      this.#changes,
      this.#sent,
      this.#received,
    ]) {
      metric.remove({ host });
    }
    for (const status of ['up', 'down', 'error']) this.#probes.remove({ host, status });
    for (const state of HEALTH_STATES) this.#state.remove({ host, state });
  }
}

/**
 * The exposition text, rendered at most once per RENDER_EVERY_MS however many scrapes ask (a
 * flood of GETs then costs a copy each, not a render each), concurrent asks sharing one render.
 */
export class MetricsText {
  #text: Promise<string> | undefined;
  #renderedAt = Number.NEGATIVE_INFINITY;
  readonly #metrics: PingMetrics;
  readonly #now: () => number;

  constructor(metrics: PingMetrics, now: () => number = () => performance.now()) {
    this.#metrics = metrics;
    this.#now = now;
  }

  get(): Promise<string> {
    if (this.#text === undefined || this.#now() - this.#renderedAt >= RENDER_EVERY_MS) {
      this.#renderedAt = this.#now();
      this.#text = this.#metrics.registry.metrics();
      this.#text.catch(() => {
        this.#text = undefined;
      });
    }
    return this.#text;
  }
}

/** Scrapes come every 15 s or so; a second-old rendering is fresh. */
export const RENDER_EVERY_MS = 1000;

/**
 * What anyone who can reach the port may take: the daemon's schedule comes first. Connections
 * are capped, per peer and in all, an idle one making room for a new one (connection-guard.ts);
 * idle ones time out, and a connection serves a bounded number of requests, so pipelined floods
 * go back to the end of the queue.
 */
export const HTTP_LIMITS = {
  maxRequestsPerSocket: 100,
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5000,
  idleTimeoutMs: 15_000,
};

/**
 * Serves /metrics and /healthz (200 while `healthy()`, else 503). Resolves once listening;
 * rejects with a one-line StartupError when the address cannot be bound.
 */
export function serveMetrics(
  metrics: PingMetrics,
  address: ListenAddress,
  healthy: () => boolean,
  /** The status page at `/`: HTML, rendered on request, given the query (`?refresh=5`). */
  page?: (query: URLSearchParams) => Promise<string>,
): Promise<Server> {
  const text = new MetricsText(metrics);
  const guard = new ConnectionGuard();
  const server = createServer(
    {
      headersTimeout: HTTP_LIMITS.headersTimeoutMs,
      requestTimeout: HTTP_LIMITS.requestTimeoutMs,
      keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
      connectionsCheckingInterval: 1000,
      maxHeaderSize: 8192,
    },
    (req, res) => {
      guard.busy(req.socket);
      res.once('close', () => guard.idle(req.socket));
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      } else if (path === '/metrics') {
        text.get().then(
          (body) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(body),
          () => res.writeHead(500).end('metrics unavailable\n'),
        );
      } else if (path === '/healthz') {
        const ok = healthy();
        res
          .writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' })
          .end(ok ? 'ok\n' : 'stopping\n');
      } else if (path === '/' && page) {
        page(new URLSearchParams((req.url ?? '').split('?')[1] ?? '')).then(
          (html) =>
            res
              .writeHead(200, {
                'Content-Type': 'text/html; charset=utf-8',
                'Cache-Control': 'no-store',
                // The page runs nothing and loads nothing from elsewhere.
                'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
              })
              .end(html),
          () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('page unavailable\n'),
        );
      } else {
        res
          .writeHead(404, { 'Content-Type': 'text/plain' })
          .end('not found: try /, /metrics or /healthz\n');
      }
    },
  );
  // Before the HTTP server's own listener: a connection refused outright costs it no parser.
  server.prependListener('connection', (socket: Socket) => guard.admit(socket));
  server.maxRequestsPerSocket = HTTP_LIMITS.maxRequestsPerSocket;
  server.setTimeout(HTTP_LIMITS.idleTimeoutMs);
  // A client that cannot be served (reset, garbage) is its own problem, never the daemon's.
  server.on('clientError', (_err, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const words: Record<string, string> = {
        EADDRINUSE: 'address already in use',
        EADDRNOTAVAIL: 'address not available on this machine',
        EACCES: 'permission denied',
      };
      const where = address.host.includes(':')
        ? `[${address.host}]:${address.port}`
        : `${address.host}:${address.port}`;
      reject(
        new StartupError(
          `cannot listen on ${where}: ${words[err.code ?? ''] ?? err.message}; choose another with --metrics-listen`,
          { cause: err },
        ),
      );
    });
    server.listen(address.port, address.host, () => {
      // Once listening, an error is an accept that failed (EMFILE when every descriptor is
      // taken): that client's loss, never an unhandled 'error' that ends the daemon.
      server.removeAllListeners('error');
      server.on('error', () => {});
      resolve(server);
    });
  });
}
