// `npm run bench:scale`: a 10,000-host config (issue 28). For each prober: how long `start` and
// `reload` take, what the daemon says its reload took (re-reading the config, applying it), and
// its RSS a minute in, against the same daemon with one host: memory per host. Hosts on
// 127.0.0.0/8, every 60 s (the ping prober spawns 167 pings a second at that). Writes
// bench/SCALE.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { rssMb } from './proc-stats.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const HOSTS = 10_000;
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 60_000);
const say = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

function hosts(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `127.9.${Math.floor(i / 250)}.${(i % 250) + 1}`);
}

function timed(args: string[]): number {
  const t0 = performance.now();
  execFileSync(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  return performance.now() - t0;
}

interface Row {
  prober: string;
  hosts: number;
  startMs: number;
  reloadMs: number;
  readMs: number;
  applyMs: number;
  rssMb: number;
}

async function run(prober: string, count: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'pd-scale-'));
  const config = join(dir, 'c.json');
  const pid = join(dir, 'd.pid');
  const svc = join(dir, 's.log');
  writeFileSync(
    config,
    JSON.stringify({
      host: hosts(count).join(','),
      interval: '60s',
      prober,
      logFile: join(dir, 'p.log'),
      pidFile: pid,
      serviceLog: svc,
      historyDir: 'off',
    }),
  );
  const startMs = timed(['start', '-c', config]);
  const daemon = Number(readFileSync(pid, 'utf8'));
  await sleep(SETTLE_MS);
  const rss = rssMb(daemon);
  const reloadMs = timed(['reload', '--pid-file', pid]);
  const said = readFileSync(svc, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"msg":"reloaded"'))
    .map((l) => JSON.parse(l))
    .at(-1);
  timed(['stop', '--pid-file', pid]);
  const row = {
    prober,
    hosts: count,
    startMs,
    reloadMs,
    readMs: said?.readMs,
    applyMs: said?.applyMs,
    rssMb: rss,
  };
  say(JSON.stringify(row));
  return row;
}

const rows: Row[] = [];
for (const prober of ['ping', 'fping']) {
  rows.push(await run(prober, 1));
  rows.push(await run(prober, HOSTS));
}
const ms = (n: number) => `${Math.round(n)} ms`;
const lines = [
  '# A 10,000-host config',
  '',
  `\`npm run bench:scale\` (bench/scale.ts) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, this project's 2-core VM: hosts on 127.0.0.0/8 every 60 s, history off, RSS ${SETTLE_MS / 1000} s after \`start\`.`,
  '',
  '| prober | hosts | `start` | `reload` (command) | reload in the daemon: read + apply | RSS | per host |',
  '|---|---|---|---|---|---|---|',
];
for (const prober of ['ping', 'fping']) {
  const one = rows.find((r) => r.prober === prober && r.hosts === 1) as Row;
  for (const r of rows.filter((x) => x.prober === prober)) {
    const per =
      r.hosts > 1 ? `${(((r.rssMb - one.rssMb) * 1024) / (r.hosts - 1)).toFixed(1)} KB` : '';
    lines.push(
      `| ${prober} | ${r.hosts} | ${ms(r.startMs)} | ${ms(r.reloadMs)} | ${ms(r.readMs)} + ${ms(r.applyMs)} | ${r.rssMb.toFixed(0)} MB | ${per} |`,
    );
  }
}
lines.push(
  '',
  'Each host also keeps its last 15 minutes of probes for `status` (src/probing/recent.ts): 12 bytes',
  'a probe, at most 900, so up to 10.8 KB more per host probed every second, 3.6 KB at 3 s.',
  '`start` returns once the daemon has come through its first probe; the schedules start after',
  'the daemon has set itself up, so the hosts go one interval/10,000 apart from the first on.',
  '',
);
writeFileSync(new URL('SCALE.md', import.meta.url), lines.join('\n'));
say(lines.join('\n'));
