// `npm run soak:days [-- DAYS]`: 30 days of a daemon's life in a few minutes (issue 28). The
// daemon's long-lived parts (the service and its schedules, the hosts' recent windows, the
// service log's rate limits, the state machine of alerts and its notifier, the metrics, the
// history's minutes) run on an injected clock: 5 hosts every 3 s (the default interval), each
// going down for 2 minutes every 3 hours and flapping for one minute a day, so the alerts, the
// limits and the windows all work. Probes answer at once (what a ping costs the process is in
// `npm run soak`, which runs the real daemon). After each simulated day: the heap after a full
// GC, RSS, the timers pending, Node's active handles. Flat lines are the verdict; writes
// bench/SOAK.md.
import { writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { HealthMonitor } from '../src/alerts/monitor.js';
import { Notifier } from '../src/alerts/notifier.js';
import type { Target } from '../src/config/targets.js';
import { MinuteBook } from '../src/history/minutes.js';
import type { ProbeResult } from '../src/probing/ping-result.js';
import { PingService } from '../src/probing/service.js';
import { PingMetrics } from '../src/telemetry/metrics.js';
import { FakeClock } from '../test/helpers/fake-clock.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run soak:days does)');
const DAYS = Number(process.argv[2] ?? 30);
const HOSTS = 5;
const INTERVAL_MS = 3000;
const DAY_MS = 86_400_000;
const EPOCH = Date.parse('2026-01-01T00:00:00Z');

const clock = new FakeClock();
const wall = () => EPOCH + clock.now();
let serviceLines = 0;
const logger = pino({ level: 'info' }, { write: () => void serviceLines++ });
const targets: Target[] = Array.from({ length: HOSTS }, (_, i) => ({
  host: `127.0.11.${i + 1}`,
  intervalMs: INTERVAL_MS,
  timeoutMs: 2000,
  count: 1,
  alerts: {
    downAfter: 3,
    upAfter: 2,
    window: 20,
    degradedRttMs: 100,
    degradedLossPct: 20,
    remindEveryMs: 3_600_000,
  },
  notify: { onChange: undefined, webhooks: [], alertmanagers: [], hookTimeoutMs: 10_000 },
}));
const notifier = new Notifier({ logger });
const metrics = new PingMetrics('soak', { version: 'bench', prober: 'ping' });
const monitor = new HealthMonitor(targets, { logger, notifier, metrics });
const minutes = new MinuteBook();
let logBytes = 0;
let probes = 0;

/** Down for 2 minutes every 3 hours; one flapping minute a day (every other probe lost). */
function resultAt(host: string, t: number): ProbeResult {
  const offset = Number(host.split('.')[3]) * 600_000;
  const inDay = (t + offset) % DAY_MS;
  const down = (t + offset) % 10_800_000 < 120_000 || (inDay < 60_000 && probes % 2 === 0);
  return down
    ? { status: 'down', lossPct: 100, sent: 1, replies: 0 }
    : { status: 'up', rttMs: 0.05 + (probes % 7) / 100, lossPct: 0, sent: 1, replies: 1 };
}

const service = new PingService({
  settings: { targets, format: 'text', maxInflight: 100 },
  probe: (request) => {
    probes++;
    return { result: Promise.resolve(resultAt(request.host, wall())), kill: () => {} };
  },
  log: {
    write: (line) => {
      logBytes += line.length;
    },
  },
  logger,
  clock,
  timers: clock,
  wallClock: () => new Date(wall()),
  onResult: (host, result, time, seq) => {
    metrics.observe(host, result, time);
    minutes.observe(host, time.getTime(), result.rttMs, result.lossPct);
    monitor.observe(host, seq, result, time);
  },
});

interface Day {
  day: number;
  probes: number;
  heapMb: number;
  rssMb: number;
  timers: number;
  handles: number;
  kinds: string;
  serviceLines: number;
}
const days: Day[] = [];
const sample = (day: number): void => {
  gc();
  const m = process.memoryUsage();
  days.push({
    day,
    probes,
    heapMb: m.heapUsed / 2 ** 20,
    rssMb: m.rss / 2 ** 20,
    timers: clock.pendingCount,
    handles: process.getActiveResourcesInfo().length,
    kinds: [...new Set(process.getActiveResourcesInfo())].join(','),
    serviceLines,
  });
  const d = days.at(-1) as Day;
  process.stderr.write(
    `day ${day}: ${d.probes} probes, heap ${d.heapMb.toFixed(2)} MB, rss ${d.rssMb.toFixed(1)} MB, timers ${d.timers}, handles ${d.handles} (${d.kinds}), service log ${d.serviceLines} lines\n`,
  );
};

const t0 = performance.now();
service.start();
sample(0);
for (let day = 1; day <= DAYS; day++) {
  for (let ms = 0; ms < DAY_MS; ms += 1000) {
    clock.advance(1000);
    // The probes' results, their end lines and what follows them: microtasks.
    for (let i = 0; i < 4; i++) await Promise.resolve();
    if (ms % 60_000 === 0) minutes.close(wall(), 5000);
    if (ms % 15_000 === 0) {
      // A scrape; and a turn of the real event loop, which prom-client's lag gauge waits for.
      await metrics.registry.metrics();
      await new Promise((r) => setImmediate(r));
    }
  }
  sample(day);
}
await service.stop();
const seconds = (performance.now() - t0) / 1000;

const first = days[1] as Day;
const last = days.at(-1) as Day;
const row = (d: Day) =>
  `| ${d.day} | ${d.probes} | ${d.heapMb.toFixed(2)} | ${d.rssMb.toFixed(1)} | ${d.timers} | ${d.handles} | ${d.serviceLines} |`;
const lines = [
  `# ${DAYS} days on an injected clock`,
  '',
  `\`npm run soak:days\` (bench/soak-days.ts) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}: ${HOSTS} hosts every ${INTERVAL_MS / 1000} s, each down 2 minutes every 3 hours and flapping a minute a day; ${probes} probes and ${(logBytes / 2 ** 20).toFixed(0)} MB of ping log in ${seconds.toFixed(0)} s. After each day, a full GC:`,
  '',
  '| day | probes | heap MB | RSS MB | timers pending | active handles | service log lines |',
  '|---|---|---|---|---|---|---|',
  ...days.map(row),
  '',
  `Heap from day 1 to day ${DAYS}: ${first.heapMb.toFixed(2)} → ${last.heapMb.toFixed(2)} MB; timers ${first.timers} → ${last.timers}; handles ${first.handles} → ${last.handles}.`,
  'The service log grows by the same count each day: the state changes and the rate-limited summaries, no more.',
  '',
];
writeFileSync(new URL('SOAK.md', import.meta.url), lines.join('\n'));
process.stderr.write(`${lines.slice(-3).join('\n')}\n`);
