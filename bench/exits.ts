// `npm run bench:exits`: does every short command end? `status --json` RUNS times (default 600),
// two at a time, beside a daemon pinging 50 loopback hosts every 200 ms, with both cores kept busy.
// A command still alive after 15 s is counted as hung, its threads' stacks printed (gdb, when
// installed), and killed. Node 24 and 26 could hang so in process.exit() (see endProcess in
// src/command-line/end.ts); run it with the Node to check first on PATH:
// PATH=/var/tmp/ping-daemon-node/26.12.1/bin:$PATH.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 600);
const HUNG_AFTER_MS = 15_000;

function runCli(args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

/** One `status --json`: how long it took to end, and how (a hung one is killed: code null). */
function status(pidFile: string): Promise<{ ms: number; code: number | null }> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'status', '--json', '--pid-file', pidFile], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      const stacks = spawnSync(
        'gdb',
        ['-p', String(child.pid), '-batch', '-ex', 'thread apply all bt 8'],
        { encoding: 'utf8', timeout: 60_000 },
      );
      const frames = (stacks.stdout ?? '').split('\n').filter((l) => /^(#|Thread)/.test(l));
      console.log(`hung: pid ${child.pid}\n${frames.join('\n') || '(no gdb)'}`);
      child.kill('SIGKILL');
    }, HUNG_AFTER_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, code });
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pd-exits-'));
  const pidFile = join(dir, 'p.pid');
  const hosts = Array.from({ length: 50 }, (_, i) => `127.0.0.${i + 1}`).join(',');
  const busy: ChildProcess[] = [0, 1].map(() => spawn('yes', [], { stdio: 'ignore' }));
  const files = ['--log-file', join(dir, 'p.log'), '--service-log', join(dir, 's.log')];
  const start = runCli([
    'start',
    '--host',
    hosts,
    '--interval',
    '200ms',
    '--pid-file',
    pidFile,
    ...files,
  ]);
  try {
    if (start.status !== 0) throw new Error(`start failed: ${start.stderr}`);
    const times: number[] = [];
    let hung = 0;
    let failed = 0;
    for (let i = 0; i < RUNS; i += 2) {
      for (const { ms, code } of await Promise.all([status(pidFile), status(pidFile)])) {
        if (code === null) hung++;
        else if (code !== 0) failed++;
        else times.push(ms);
      }
    }
    times.sort((a, b) => a - b);
    const at = (q: number): string => (times[Math.floor(q * (times.length - 1))] ?? 0).toFixed(0);
    console.log(
      `Node ${process.version}: ${RUNS} status commands, ${hung} hung, ${failed} failed; ` +
        `exit after p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`,
    );
  } finally {
    runCli(['stop', '--pid-file', pidFile]);
    for (const b of busy) b.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
