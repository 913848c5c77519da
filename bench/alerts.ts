// npm run bench:alerts: delivery that cannot be held up, measured. 100 hosts at 2 s flap (a
// stand-in ping reads which half answers from a file the benchmark flips every 10 s, so all 100
// change state within 2 s, every 10 s). Three runs: no channel; every change to one healthy hook;
// and also to a webhook that never answers and one whose answer never ends. Per run: the healthy
// hook's delay from the change to its start (p50, p99), the ticks' lateness (p99), the daemon's
// CPU and RSS. Receivers on 127.0.0.1; no packet leaves the machine. Writes bench/ALERTS.md.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLogLine } from '../src/ping-log/format.js';
import { cpuMs, percentile, rssMb } from './proc-stats.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const HOSTS = 100;
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 30_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A receiver that never answers, or one that answers 500 with a body that never ends. */
async function badReceiver(kind: 'silent' | 'endless'): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    if (kind === 'silent') return;
    res.writeHead(500);
    const more = (): void => {
      while (res.write(Buffer.alloc(16_384, 46)));
      res.once('drain', more);
    };
    more();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

interface Row {
  run: string;
  changes: number;
  delayP50Ms: number;
  delayP99Ms: number;
  latenessP99Ms: number;
  cpuPct: number;
  rssMb: number;
  dropped: number;
}

async function measure(name: string, hooked: boolean, webhooks: string[]): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), `pd-bench-alerts-${name}-`));
  chmodSync(dir, 0o755);
  // The stand-in (one shell, no other process): even hosts are down while the slot is 0, odd
  // hosts while it is 1.
  const pingDir = join(dir, 'ping');
  execFileSync('mkdir', [pingDir]);
  const slotFile = join(pingDir, 'slot');
  writeFileSync(slotFile, '0\n');
  writeFileSync(
    join(pingDir, 'ping'),
    `#!/bin/sh
for host; do :; done
read slot < '${slotFile}'
last=\${host##*.}
if [ $(( (last + slot) % 2 )) -eq 0 ]; then
  printf 'PING %s (%s) 56(84) bytes of data.\\n\\n--- %s ping statistics ---\\n1 packets transmitted, 0 received, 100%% packet loss, time 0ms\\n' "$host" "$host" "$host"
  exit 1
fi
printf 'PING %s (%s) 56(84) bytes of data.\\n64 bytes from %s: icmp_seq=1 ttl=64 time=0.042 ms\\n\\n--- %s ping statistics ---\\n1 packets transmitted, 1 received, 0%% packet loss, time 0ms\\nrtt min/avg/max/mdev = 0.042/0.042/0.042/0.000 ms\\n' "$host" "$host" "$host" "$host"
`,
    { mode: 0o755 },
  );
  const got = join(dir, 'hook.got');
  const hook = join(dir, 'hook');
  // When the change happened, and when the hook began: one line, one write.
  writeFileSync(hook, `#!/bin/sh\necho "$PING_DAEMON_SINCE $(date +%s%3N)" >> '${got}'\n`, {
    mode: 0o755,
  });
  const hosts = Array.from({ length: HOSTS }, (_, i) => `127.0.9.${i + 1}`);
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      hosts,
      interval: '2s',
      downAfter: 1,
      upAfter: 1,
      ...(hooked ? { onChange: hook } : {}),
      hookTimeout: '3s',
      ...(webhooks.length > 0 ? { webhook: webhooks } : {}),
    }),
  );
  const pidFile = join(dir, 'd.pid');
  const log = join(dir, 'p.log');
  const args = ['--config', config, '--ping-dir', pingDir, '--pid-file', pidFile];
  execFileSync(process.execPath, [
    CLI,
    'start',
    ...args,
    '--log-file',
    log,
    '--service-log',
    join(dir, 's.log'),
  ]);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  let slot = 0;
  const flip = setInterval(() => {
    slot = 1 - slot;
    writeFileSync(slotFile, `${slot}\n`);
  }, 10_000);
  await sleep(11_000); // past the first decisions and the first flip
  const from = Date.now();
  const cpu0 = cpuMs(pid);
  await sleep(WINDOW_MS);
  const cpu1 = cpuMs(pid);
  const to = Date.now();
  clearInterval(flip);
  const rss = rssMb(pid);
  const status = JSON.parse(
    execFileSync(process.execPath, [CLI, 'status', '--json', '--pid-file', pidFile], {
      encoding: 'utf8',
    }),
  ) as { channels: { dropped: number }[] };
  execFileSync(process.execPath, [CLI, 'stop', '--pid-file', pidFile, '--timeout', '20s']);
  const delays = (hooked ? readFileSync(got, 'utf8') : '')
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .map(([since, at]) => [Date.parse(since as string), Number(at)] as const)
    .filter(([since]) => since >= from && since < to && !Number.isNaN(since))
    .map(([since, at]) => at - since);
  // Each host's ticks are due on its own grid, 2 s apart from its first: lateness is how far a
  // start line is past it.
  const first = new Map<string, number>();
  const lateness: number[] = [];
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (!line.startsWith('start')) continue;
    const e = parseLogLine(line);
    if (e?.event !== 'start' || e.time === undefined || e.host === undefined) continue;
    const t = e.time.getTime();
    const t0 = first.get(e.host) ?? t;
    first.set(e.host, Math.min(t0, t));
    // Past the grid by less than half a tick: late; more, early (a timer a fraction early).
    if (t >= from && t < to) lateness.push(((((t - t0) % 2000) + 3000) % 2000) - 1000);
  }
  return {
    run: name,
    changes: delays.length,
    delayP50Ms: percentile(delays, 50),
    delayP99Ms: percentile(delays, 99),
    latenessP99Ms: percentile(lateness, 99),
    cpuPct: Math.round(((cpu1 - cpu0) / (to - from)) * 1000) / 10,
    rssMb: Math.round(rss),
    dropped: status.channels.reduce((n, c) => n + c.dropped, 0),
  };
}

async function main(): Promise<void> {
  const silent = await badReceiver('silent');
  const endless = await badReceiver('endless');
  const rows = [
    await measure('no channel', false, []),
    await measure('a healthy hook', true, []),
    await measure('+ a hanging and an endless-body webhook', true, [silent.url, endless.url]),
  ];
  for (const s of [silent, endless]) {
    s.server.closeAllConnections();
    s.server.close();
  }
  const table = [
    '| run | changes told | hook delay p50 | p99 | tick lateness p99 | CPU | RSS | dropped |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.run} | ${r.changes} | ${r.delayP50Ms} ms | ${r.delayP99Ms} ms | ${r.latenessP99Ms} ms | ${r.cpuPct} % | ${r.rssMb} MB | ${r.dropped} |`,
    ),
  ].join('\n');
  console.log(table);
  const md = `# Delivery under bad channels

\`npm run bench:alerts\` (bench/alerts.ts), on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}:
${HOSTS} hosts at 2 s, all changing state within 2 s every 10 s (a stand-in ping; --down-after 1
--up-after 1): bursts of 100 changes. In the second run each goes to one healthy hook (a shell
script), in the third also to a webhook that never answers and to one whose 500 answer never
ends (--hook-timeout 3s). Measured over ${WINDOW_MS / 1000} s after an 11 s start. "hook delay": from the change (PING_DAEMON_SINCE) to
the hook's first line. "tick lateness": how far a start line is past its host's 2-s grid.
"dropped": notifications the bad channels' full queues dropped (their oldest), as status counts.

${table}
`;
  writeFileSync(join(HERE, 'ALERTS.md'), md);
}

await main();
