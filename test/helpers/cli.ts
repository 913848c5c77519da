// Running the built CLI as a user would, and watching what it leaves behind.
import assert from 'node:assert/strict';
import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { statFields } from '../../src/lifecycle/proc.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
export const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
export const isRoot = process.getuid?.() === 0;

export interface Run {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Every child still running; ended when the test file ends, so a failed test cannot hang it. */
const live = new Set<ChildProcess>();
/** Daemons to kill when the test file ends, by PID and start time (see killAtEnd). */
const daemons = new Map<number, string>();
after(() => {
  for (const child of live) child.kill('SIGKILL');
  for (const [pid, startTime] of daemons) {
    if (startTimeOf(pid) !== startTime) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/** When process `pid` started (field 22 of /proc/PID/stat), or undefined when it is gone. */
function startTimeOf(pid: number): string | undefined {
  try {
    return statFields(pid)[19];
  } catch {
    return undefined;
  }
}

/**
 * Kills the daemon `pid` when the test file ends, if a failed test left it running; but only if
 * that PID is still this process. A PID recorded minutes ago may be anybody's by then: a suite
 * run forks some 12,000 processes, and pid_max is 32768 here.
 */
export function killAtEnd(pid: number): void {
  const startTime = startTimeOf(pid);
  if (startTime !== undefined) daemons.set(pid, startTime);
}

/** Spawns `node dist/cli.js ...args` with no PING_DAEMON_* variables of the test's own. */
export function cli(args: string[], options: SpawnOptions & { prefix?: string[] } = {}): Run {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('PING_DAEMON_')),
  );
  const { prefix = [], ...spawnOptions } = options;
  const argv = [...prefix, process.execPath, CLI, ...args];
  const child = spawn(argv[0] as string, argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...spawnOptions,
    env: { ...env, ...spawnOptions.env },
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d;
  });
  live.add(child);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Runs the CLI to completion; one that hangs is killed after a minute, failing its test. */
export async function cliDone(args: string[], options: SpawnOptions & { prefix?: string[] } = {}) {
  const run = cli(args, options);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 60_000);
  const { code } = await run.exit;
  clearTimeout(timer);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/**
 * Polls `check` until it returns a truthy value; fails after `ms`, with what `context` says about
 * the state of things then (a process's stderr, the end of a log).
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  ms = 5000,
  context?: () => string,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) {
      const seen = context ? `; ${context()}` : '';
      throw new Error(`timed out after ${ms} ms waiting for ${what}${seen}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * `status --json` asked again until `check` accepts what it shows (the state file is rewritten
 * about once a second); returns that state.
 */
export async function statusUntil(
  pidFile: string,
  what: string,
  // biome-ignore lint/suspicious/noExplicitAny: the state as JSON; each test reads what it checks
  check: (state: any) => boolean,
  ms = 5000,
  // biome-ignore lint/suspicious/noExplicitAny: as above
): Promise<any> {
  let last = '';
  return waitFor(
    what,
    async () => {
      const r = await cliDone(['status', '--json', '--pid-file', pidFile]);
      assert.equal(r.code, 0, r.stderr);
      last = r.stdout;
      const state = JSON.parse(r.stdout);
      return check(state) ? state : undefined;
    },
    ms,
    () => `status: ${last.slice(0, 2000)}`,
  );
}

/**
 * The daemon's file options: `--log-file LOG --pid-file PID`, and `--service-log SVC` when given
 * (without it, `run` logs to stderr, where a test reads it).
 */
export function fileArgs(files: { log: string; pid: string; svc?: string }): string[] {
  const args = ['--log-file', files.log, '--pid-file', files.pid];
  return files.svc === undefined ? args : [...args, '--service-log', files.svc];
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pd-e2e-'));
}

/**
 * The complete lines of a file. A read can see a large write half done (the fleet prober writes a
 * tick's lines in one write, but a reader is not atomic with it): a last line without its
 * newline is still being written, and is left for the next read.
 */
export function readLines(path: string): string[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((l) => l !== '');
}

const TEXT =
  /^(start time---------|end of time--------):(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d) host=(\S+) seq=(\d+)(.*)$/;

export interface TextLine {
  event: 'start' | 'end';
  time: string;
  host: string;
  seq: number;
  rest: string;
}

/** Parses a text-format line of docs/log-format.md, or throws naming the line. */
export function parseText(line: string): TextLine {
  const m = TEXT.exec(line);
  if (!m) throw new Error(`not a text-format line: ${JSON.stringify(line)}`);
  return {
    event: m[1]?.startsWith('start') ? 'start' : 'end',
    time: m[2] as string,
    host: m[3] as string,
    seq: Number(m[4]),
    rest: m[5] as string,
  };
}

/**
 * The rest of an end line for 127.0.0.1 probed once: the answer, or the timeout a real ping on busy
 * cores may rightly get (docs/testing.md).
 */
export const ANSWER_OR_TIMEOUT = /^ status=(up rtt_ms=\d+(\.\d+)? loss=0%|error error="timeout")$/;

/** Checks that lines come in start/end pairs with seq 1, 2, 3, ... and returns the end lines. */
export function pairs(lines: TextLine[]): TextLine[] {
  const ends: TextLine[] = [];
  lines.forEach((line, i) => {
    const seq = Math.floor(i / 2) + 1;
    const event = i % 2 === 0 ? 'start' : 'end';
    if (line.seq !== seq || line.event !== event) {
      throw new Error(
        `line ${i + 1}: expected ${event} of seq ${seq}, got ${line.event} of ${line.seq}`,
      );
    }
    if (event === 'end') ends.push(line);
  });
  if (lines.length % 2 !== 0) throw new Error('the last start line has no end line');
  return ends;
}

/** Processes whose command line contains `text` (to find leaked children). */
export function processesMatching(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(text))
        found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}

/**
 * A private copy of the stand-in ping that never ends (test/fixtures/ping-hang) under `dir`, for
 * --ping-dir: its path tells this test's stand-ins from those of the other test files running at
 * the same time, which a search by the fixture's own path also found.
 */
export function hangingPing(dir: string): { pingDir: string; running: () => number[] } {
  const pingDir = join(dir, 'ping-hang');
  mkdirSync(pingDir, { mode: 0o755 });
  copyFileSync(fixture('ping-hang/ping'), join(pingDir, 'ping'));
  chmodSync(join(pingDir, 'ping'), 0o755);
  return { pingDir, running: () => processesMatching(join(pingDir, 'ping')) };
}

/**
 * What process `pid` has open, descriptor by descriptor ({} when it is gone). A descriptor may
 * close between the listing and its readlink (a probe's pipe): it is left out, not an error.
 */
export function openFiles(pid: number): Record<string, string> {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return {};
  }
  const files: Record<string, string> = {};
  for (const fd of fds) {
    try {
      files[fd] = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      // closed since the listing
    }
  }
  return files;
}

/** Whether process `pid` has an inotify instance open (a `logs -f` that is watching its file). */
export function watchingFiles(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  return Object.values(openFiles(pid)).includes('anon_inode:inotify');
}

/** The sbin directories a user's PATH may lack, where logrotate and friends live. */
const SBIN = '/usr/local/sbin:/usr/sbin:/sbin';

/** Where an installed tool is ('' when it is not): on the PATH, or in sbin. */
export function where(command: string): string {
  return spawnSync('sh', ['-c', `PATH="$PATH:${SBIN}" command -v ${command}`], {
    encoding: 'utf8',
  }).stdout.trim();
}

/** Whether a tool is installed (see where). */
export const has = (command: string): boolean => where(command) !== '';

/** A port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Exposition text with the `vantage` label taken out of every sample (every series carries it,
 * in an order prom-client chooses): for tests that read other labels. metrics.test.ts checks it.
 */
export function withoutVantage(text: string): string {
  return text
    .replace(/,?vantage="[^"]*"/g, '')
    .replace(/\{,/g, '{')
    .replace(/\{\}/g, '');
}
