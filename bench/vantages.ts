// `npm run bench:vantages`: the multi-vantage setup of docs/fleets.md at fleet scale, on the
// Prometheus side (a daemon's own cost per host is bench:scale's). VANTAGES × HOSTS series sets
// as the daemon exports them (its own PingMetrics, fed a probe per host every scrape, a few hosts
// down, one path cut), served on 127.0.0.1 and scraped by Debian's prometheus with the shipped
// rules. Measures the rule group's evaluation time, each dashboard query's time over the run, the
// series Prometheus holds and its RSS. Writes bench/VANTAGES.md.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { PingMetrics } from '../src/telemetry/metrics.js';
import { rssMb } from './proc-stats.js';

const VANTAGES = Number(process.env.VANTAGES ?? 5);
const HOSTS = Number(process.env.HOSTS ?? 1000);
const RUN_S = Number(process.env.RUN_S ?? 150);
const SCRAPE_S = 5;
const CONFIG = fileURLToPath(new URL('../config/', import.meta.url));
const say = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

const host = (i: number): string => `h${i}.bench.test`;
/** Host 0 is down everywhere, host 1 from the last vantage only; the others answer. */
function probe(metrics: PingMetrics, v: number, i: number, now: Date): void {
  const down = i === 0 || (i === 1 && v === VANTAGES - 1);
  const rttMs = 5 + (i % 200) + v * 3 + Math.random() * 2;
  metrics.observe(
    host(i),
    down
      ? { status: 'down', lossPct: 100, sent: 1, replies: 0 }
      : { status: 'up', rttMs, lossPct: 0, sent: 1, replies: 1 },
    now,
  );
  metrics.setState(host(i), down ? 'down' : 'up', false);
}

async function serve(metrics: PingMetrics): Promise<Server> {
  const server = createServer((_req, res) => {
    metrics.registry.metrics().then((text) => res.end(text));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

const vantages = Array.from(
  { length: VANTAGES },
  (_, v) => new PingMetrics(`v${v}`, { version: 'bench', prober: 'fping' }),
);
const feed = (): void => {
  const now = new Date();
  vantages.forEach((m, v) => {
    for (let i = 0; i < HOSTS; i++) probe(m, v, i, now);
  });
};
feed();
const feeder = setInterval(feed, SCRAPE_S * 1000);
const servers = await Promise.all(vantages.map(serve));
const dir = mkdtempSync(join(tmpdir(), 'pd-vantages-'));
const targets = servers.map((s) => `'127.0.0.1:${(s.address() as AddressInfo).port}'`);
writeFileSync(join(dir, 'rules.yml'), readFileSync(join(CONFIG, 'ping-daemon.rules.yml')));
writeFileSync(
  join(dir, 'prometheus.yml'),
  `global: { scrape_interval: ${SCRAPE_S}s, evaluation_interval: ${SCRAPE_S}s, scrape_timeout: ${SCRAPE_S}s }
rule_files: [rules.yml]
scrape_configs:
  - job_name: ping-daemon
    static_configs: [{ targets: [${targets.join(', ')}] }]
`,
);
const promServer = await serve(new PingMetrics('unused', { version: '', prober: '' }));
const port = (promServer.address() as AddressInfo).port;
promServer.close();
const prometheus: ChildProcess = spawn(
  'prometheus',
  [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const api = async (path: string): Promise<{ data: unknown }> => {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/${path}`);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { data: unknown };
};

interface RuleGroup {
  evaluationTime: number;
  rules: { name: string; evaluationTime: number; health: string }[];
}
const evaluations: number[] = [];
const perRule = new Map<string, number[]>();
try {
  for (let waited = 0; ; waited += 1) {
    if (
      await fetch(`http://127.0.0.1:${port}/-/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (waited > 60) throw new Error('prometheus did not start');
    await sleep(1000);
  }
  say(`${VANTAGES} vantages × ${HOSTS} hosts, ${RUN_S} s`);
  const end = Date.now() + RUN_S * 1000;
  while (Date.now() < end) {
    await sleep(SCRAPE_S * 1000);
    const { groups } = (await api('rules')).data as { groups: RuleGroup[] };
    const group = groups[0];
    if (!group || group.evaluationTime === 0) continue;
    evaluations.push(group.evaluationTime * 1000);
    for (const r of group.rules) {
      perRule.set(r.name, [...(perRule.get(r.name) ?? []), r.evaluationTime * 1000]);
    }
  }
  // The dashboard's queries, as Grafana asks them over the run: all vantages, all hosts, one host
  // for the repeated row, 200 points.
  const dashboard = JSON.parse(readFileSync(join(CONFIG, 'grafana/ping-daemon.json'), 'utf8'));
  const queries: { title: string; expr: string; instant: boolean }[] = [];
  type Panel = { title: string; targets?: { expr: string; instant?: boolean }[]; panels?: [] };
  const collect = (panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        queries.push({ title: p.title, expr: t.expr, instant: t.instant === true });
      }
      collect(p.panels ?? []);
    }
  };
  collect(dashboard.panels);
  const fill = (expr: string): string =>
    expr
      .replaceAll('host="$host"', `host="${host(1)}"`)
      .replaceAll('$host', '.*')
      .replaceAll('$vantage', '.*')
      .replaceAll('$__rate_interval', `${4 * SCRAPE_S}s`);
  const now = Date.now() / 1000;
  const timings: { title: string; ms: number; series: number; instant: boolean }[] = [];
  for (const q of queries) {
    const params = new URLSearchParams({
      query: fill(q.expr),
      start: String(now - RUN_S),
      end: String(now),
      step: String(RUN_S / 200),
    });
    const t0 = performance.now();
    const path = q.instant
      ? `query?query=${encodeURIComponent(fill(q.expr))}`
      : `query_range?${params}`;
    const { result } = (await api(path)).data as { result: unknown[] };
    timings.push({ ...q, ms: performance.now() - t0, series: result.length });
  }
  const head = Number(
    (
      (await api(`query?query=${encodeURIComponent('count({__name__=~".+"})')}`)).data as {
        result: { value: [number, string] }[];
      }
    ).result[0]?.value[1],
  );
  const alerts = (await api('alerts')).data as { alerts: { labels: Record<string, string> }[] };
  const median = (xs: number[]): number =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const max = (xs: number[]): number => Math.max(...xs);
  const f = (ms: number): string => (ms < 10 ? ms.toFixed(1) : ms.toFixed(0));
  const lines = [
    '# Many vantages at scale: Prometheus with the shipped rules and dashboard',
    '',
    `\`npm run bench:vantages\` (bench/vantages.ts), ${new Date().toISOString().slice(0, 10)}, on this`,
    `project's 2-core machine: ${VANTAGES} vantages × ${HOSTS} hosts (${VANTAGES * HOSTS} host-vantage`,
    `pairs), series as ping-daemon exports them, scraped every ${SCRAPE_S} s for ${RUN_S} s by Debian's`,
    `Prometheus ${prometheusVersion()}; host 0 down everywhere, host 1 from one vantage.`,
    '',
    `- series in Prometheus: ${head} (${(head / (VANTAGES * HOSTS)).toFixed(1)} per host and vantage)`,
    `- Prometheus RSS at the end: ${rssMb(prometheus.pid as number).toFixed(0)} MB`,
    `- the rule group's evaluation: median ${f(median(evaluations))} ms, most ${f(max(evaluations))} ms (${evaluations.length} evaluations)`,
    `- alerts pending or firing at the end: ${alerts.alerts.map((a) => [a.labels.alertname, a.labels.host, a.labels.vantage].filter(Boolean).join(' ')).join(', ')}`,
    '',
    '| rule | median ms | most ms |',
    '|---|---|---|',
    ...[...perRule].map(([name, xs]) => `| \`${name}\` | ${f(median(xs))} | ${f(max(xs))} |`),
    '',
    `Each query of \`config/grafana/ping-daemon.json\` as Grafana asks it, every vantage and host: the`,
    `stat panels' at one instant, the others over the ${RUN_S} s in 200 points (the repeated row for one host):`,
    '',
    '| panel | query | series | ms |',
    '|---|---|---|---|',
    ...timings.map(
      (t) => `| ${t.title} | ${t.instant ? 'instant' : 'range'} | ${t.series} | ${f(t.ms)} |`,
    ),
    '',
  ];
  writeFileSync(new URL('VANTAGES.md', import.meta.url), lines.join('\n'));
  say(lines.join('\n'));
} finally {
  clearInterval(feeder);
  prometheus.kill('SIGKILL');
  for (const s of servers) s.close();
}

function prometheusVersion(): string {
  const out = execFileSync('prometheus', ['--version'], { encoding: 'utf8' });
  return /version (\S+)/.exec(out)?.[1] ?? '';
}
