// Putting the daemon in the background: the daemon(7) sequence of docs/starting.md. Node cannot
// fork(), so where the tutorial forks twice we spawn twice:
//
//   launcher --spawn(detached: setsid)--> stage 1 (/bin/sh) --"$@" &--> stage 2 (the daemon)
//        ^                                   | waits for stage 2             |
//        |--- fd 3: {"exited":N} if stage 2 died first                        |
//        '--------------- fd 3: {"ready":true,"pid":N} or {"error":"..."} ----'
//
// Stage 1 is a session leader with no controlling terminal; stage 2 is in that session but not
// its leader, so it can never acquire a terminal again. Stage 1 waits for stage 2: if stage 2
// dies without a word (a signal, a crash of Node itself) stage 1 tells the launcher its exit
// status; once stage 2 has reported, the launcher kills stage 1 and waits for it to go, so that
// the daemon is adopted by init (or the nearest subreaper) before `start` returns, not left as
// the launcher's grandchild. The readiness pipe brings every start-up error that happens after
// the detach back to the user's terminal.
//
// Stage 1 only starts a process and waits, so it is /bin/sh, not a second Node.js: that saves
// the ~50 ms a Node start costs. `"$@"` hands the arguments on without a shell ever parsing them.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, fstatSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { ENV_PREFIX, SYSTEM_PATH } from '../config/options.js';
import type { ProbeMethod } from '../config/prober.js';
import { describeErrno, StartupError } from '../errors.js';
import { CLI } from '../paths.js';
import { openForReading } from '../ping-log/files.js';
import { lastLines } from '../reading/tail.js';
import { isPingDaemon } from './pid-file.js';

/** The readiness pipe's descriptor in stages 1 and 2. */
export const READY_FD = 3;
/**
 * The pipe on which stage 2 reads the settings the launcher resolved and checked (so the daemon
 * starts without loading yargs, ~50 ms). A pipe, not the environment: Linux caps one
 * environment string at 128 KiB, and 10,000 hosts take a megabyte.
 */
export const SETTINGS_FD = 4;
/**
 * Set in stage 2's environment: that it is stage 2, and the launcher's working directory,
 * against which a reload resolves relative paths again.
 */
export const STAGE2_SETTINGS_ENV = 'PINGD_STAGE2_SETTINGS';
export const STAGE2_CWD_ENV = 'PINGD_STAGE2_CWD';
/** How long the launcher waits for the report (docs/starting.md). */
export const READY_TIMEOUT_MS = 10_000;

/**
 * V8 flags for the daemon with the default prober. Its JavaScript per tick is small (the cost is
 * the fork and exec of ping), so it needs neither V8's 16 MB young generation nor its optimizing
 * compiler:
 * `--max-semi-space-size=1` and `--lite-mode` keep RSS flat over 10,000 ticks at no measurable
 * CPU cost (bench/RESULTS.md); lite mode leaves out WebAssembly, which nothing here uses, and
 * `--no-expose-wasm` says so, or V8 warns on stderr. Not on Node 22 (V8 12): there importing
 * node:http as a module reads its lazy `WebSocket`, which loads undici, whose HTTP parser is
 * WebAssembly, and the daemon died at start-up (`WebAssembly is not defined`); Node 20, 24 and
 * 26 import it without. It runs V8 single-threaded, as the fleet prober does: at 100 probes a
 * second the daemon's helper threads, woken for every collection, cost it 12-21 % more CPU (72.7
 * and 81.3 against 64.0 and 64.3 ms a second) and its pings more too, sharing two cores; at one
 * host it makes no difference (1.47-1.69 against 1.50-1.66 ms a second). The systemd units run
 * `run` with the same flags (install-service writes them into ExecStart); the bin itself runs
 * without them, since lite mode makes `logs --summary` on a big log 1.6 times slower.
 */
export const DAEMON_V8_FLAGS = [
  '--single-threaded',
  '--max-semi-space-size=1',
  ...liteMode(Number(process.versions.v8.split('.')[0])),
  // Not --disable-sigusr1 (Node 22.14+): with it Node 24 no longer delivers SIGUSR1 to our
  // listener, which is what closes the inspector's door and gives USR1 its meaning (signals.ts).
];

/** Lite mode's flags for V8 `major` (see DAEMON_V8_FLAGS). */
export function liteMode(major: number): string[] {
  // V8 11 (Node 20) warns that lite mode disables WebAssembly unless told so; V8 13 (Node 24)
  // no longer knows the flag and refuses to start with it.
  if (major < 12) return ['--lite-mode', '--no-expose-wasm'];
  return major === 12 ? [] : ['--lite-mode'];
}

/**
 * The fleet prober's daemon is the other way round: its cost is the JavaScript of reading and
 * writing a line per probe, which lite mode makes twice as dear (1,000 hosts: 44 against 17 ms
 * of CPU a second, at 70 against 116 MB of RSS), so it keeps V8's compilers. It runs V8
 * single-threaded: collecting garbage and compiling on helper threads cost more CPU in all
 * (their wake-ups) than they save the main thread (100 hosts: 7.0 against 7.7 ms a second).
 * A 1 MB young generation, as the default prober's, takes each host's memory from some 57 to 25
 * KB (1,000 hosts: 85–92 against 119 MB) for 7 µs more per probe (30 against 23 ms a second).
 */
export const FLEET_V8_FLAGS = ['--single-threaded', '--max-semi-space-size=1'];

export function daemonV8Flags(prober: ProbeMethod): string[] {
  return prober === 'fping' ? FLEET_V8_FLAGS : DAEMON_V8_FLAGS;
}

/**
 * The daemon's environment: nothing inherited but what changes its behaviour on purpose (its
 * own PING_DAEMON_* options, the time zone and locale of its timestamps, the home and runtime
 * directories its default paths use) and a fixed PATH.
 */
export function daemonEnvironment(env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
  // NODE_EXTRA_CA_CERTS: a site's own CA, for https webhooks.
  const kept = ['HOME', 'TZ', 'LANG', 'LC_ALL', 'LC_TIME', 'NODE_EXTRA_CA_CERTS'];
  const clean: NodeJS.ProcessEnv = {
    PATH: SYSTEM_PATH,
    [STAGE2_CWD_ENV]: cwd,
    [STAGE2_SETTINGS_ENV]: `fd:${SETTINGS_FD}`,
  };
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && (kept.includes(key) || key.startsWith(`${ENV_PREFIX}_`))) {
      clean[key] = value;
    }
  }
  return clean;
}

/**
 * Stage 2's one line: ready, once the first probe has ended (or a second has gone by), with the
 * names that probe found unresolvable; or the error that stopped it.
 */
export type Report = { ready: true; pid: number; unresolved: string[] } | { error: string };

/**
 * Parses the one line stage 2 writes, or the line stage 1 writes when stage 2 died first (its
 * exit status as the shell gives it); anything else is not a report.
 */
export function parseReport(line: string): Report | { exited: number } | undefined {
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    if (value.ready === true && Number.isInteger(value.pid)) {
      const unresolved = Array.isArray(value.unresolved)
        ? value.unresolved.filter((h): h is string => typeof h === 'string')
        : [];
      return { ready: true, pid: value.pid as number, unresolved };
    }
    if (typeof value.error === 'string') return { error: value.error };
    if (Number.isInteger(value.exited)) return { exited: value.exited as number };
  } catch {
    // not JSON
  }
  return undefined;
}

/** `exit status 1`, or `killed by SIGKILL` for the shell's 128+N. Pure. */
export function describeExitStatus(status: number): string {
  if (status > 128) {
    const signal = Object.entries(constants.signals).find(([, n]) => n === status - 128)?.[0];
    if (signal) return `killed by ${signal}`;
  }
  return `exit status ${status}`;
}

/**
 * Stage 1's script: start stage 2 in the background, wait for it, and if it ends before the
 * launcher has killed this shell (which it does once stage 2 has reported), say how.
 */
const STAGE1_SCRIPT = '"$@" & wait $!; echo "{\\"exited\\":$?}" >&3';

/** Stages 1 and 2, started; stage 2 waits for its settings on SETTINGS_FD. */
export interface Stages {
  stage1: ChildProcess;
  /** The daemon's command line and V8 flags: what an early start must match to be used. */
  args: string[];
  flags: string[];
  /** Whether the spawn failed after all (its 'error' event): such stages are not used. */
  failed: boolean;
}

/** Starts stage 1, which starts stage 2. Throws a StartupError if it cannot be spawned. */
export function spawnStages(args: string[], env: NodeJS.ProcessEnv, flags: string[]): Stages {
  try {
    const stage1 = spawn(
      '/bin/sh',
      ['-c', STAGE1_SCRIPT, 'ping-daemon-stage1', process.execPath, ...flags, CLI, ...args],
      {
        detached: true,
        cwd: '/',
        env,
        stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
      },
    );
    const stages = { stage1, args, flags, failed: false };
    // Heard at once: early stages have no other listener until `start` takes them.
    stage1.on('error', () => {
      stages.failed = true;
    });
    return stages;
  } catch (err) {
    // spawn throws at once for some failures (E2BIG: settings too large for the environment).
    throw new StartupError(`cannot start the daemon: ${describeErrno(err)}`, { cause: err });
  }
}

/** Ends stages that will not be used: stage 2 has opened nothing before it has its settings. */
export function abandonStages({ stage1 }: Stages): void {
  try {
    // Stage 2 shares stage 1's process group.
    if (stage1.pid !== undefined) process.kill(-stage1.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  for (const fd of [READY_FD, SETTINGS_FD]) stage1.stdio[fd]?.destroy();
}

/** What start learnt from the daemon: its PID, and the names its first probes could not resolve. */
export interface Started {
  pid: number;
  unresolved: string[];
}

/**
 * Hands `settings` to stage 2 (started now, or `early` by prelaunch.ts) and waits for its report
 * and then for the daemon to be alive still. Resolves with what it reported; rejects with a
 * StartupError carrying the daemon's own words, or saying that it died or hung.
 */
export function launch(
  args: string[],
  env: NodeJS.ProcessEnv,
  serviceLog: string,
  settings: { prober: ProbeMethod },
  early?: Stages,
): Promise<Started> {
  const launchedAt = Date.now();
  const stages = early ?? spawnStages(args, env, daemonV8Flags(settings.prober));
  const { stage1 } = stages;
  const pipe = stage1.stdio[READY_FD];
  // Stage 2 reads the settings to their end before anything else; a stage 2 that died first
  // closes the pipe (EPIPE), which the readiness pipe reports.
  const settingsPipe = stage1.stdio[SETTINGS_FD] as NodeJS.WritableStream | null;
  settingsPipe?.on('error', () => {});
  settingsPipe?.end(JSON.stringify(settings));
  // Stage 1 waits for stage 2 (see the top of this file): once the start has gone one way or
  // the other it is killed, and `start` returns only after it has gone.
  const stage1Gone = new Promise<void>((resolve) => {
    if (stage1.exitCode !== null || stage1.signalCode !== null) resolve();
    stage1.once('exit', () => resolve());
    stage1.once('error', () => resolve()); // never started: no exit comes
  });
  const died = (how: string | undefined, when = 'during start-up'): StartupError => {
    const said = lastServiceError(serviceLog, launchedAt);
    const why = [how, said && `its service log: ${said}`].filter(Boolean).join('; ');
    return new StartupError(
      `the daemon died ${when}${why ? ` (${why})` : ''}; see its service log ${serviceLog}`,
    );
  };
  const report = new Promise<Started>((resolve, reject) => {
    let text = '';
    const done = (err: StartupError | undefined, started?: Started): void => {
      clearTimeout(timer);
      pipe?.removeAllListeners();
      pipe?.destroy();
      if (err) reject(err);
      else resolve(started as Started);
    };
    const timer = setTimeout(() => {
      abandonStages(stages); // the whole start-up, not half of it
      done(
        new StartupError(
          `the daemon did not report ready within ${READY_TIMEOUT_MS / 1000}s and was stopped; see ${serviceLog}`,
        ),
      );
    }, READY_TIMEOUT_MS);
    stage1.once('error', (err) =>
      done(new StartupError(`cannot start the daemon: ${err.message}`)),
    );
    pipe?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const newline = text.indexOf('\n');
      if (newline < 0) return;
      const report = parseReport(text.slice(0, newline));
      if (report && 'ready' in report)
        done(undefined, { pid: report.pid, unresolved: report.unresolved });
      else if (report && 'exited' in report) done(died(describeExitStatus(report.exited)));
      else
        done(
          new StartupError(report?.error ?? `the daemon sent a garbled report; see ${serviceLog}`),
        );
    });
    pipe?.on('end', () => done(died(undefined)));
  });
  const ended = report.finally(() => {
    try {
      if (stage1.pid !== undefined) process.kill(stage1.pid, 'SIGKILL');
    } catch {
      // gone already
    }
    return stage1Gone;
  });
  // The report came once the first probe had ended; a daemon that died in the moment since (or
  // whose report was not its own) is not a start.
  return ended.then((started) => {
    if (!isPingDaemon(started.pid)) throw died(undefined, 'just after it started');
    return started;
  });
}

/**
 * The last error or fatal line the daemon wrote to its service log file since `sinceMs`, for the
 * launcher's one line when the daemon died before it could report; undefined when there is none
 * (or the service log is not a file).
 */
export function lastServiceError(path: string, sinceMs: number): string | undefined {
  if (!path.startsWith('/')) return undefined; // 'stderr': the journal or a terminal
  let fd: number;
  try {
    fd = openForReading(path);
  } catch {
    return undefined;
  }
  try {
    for (const line of lastLines(fd, fstatSync(fd).size, 20).lines.reverse()) {
      let e: { level?: unknown; time?: unknown; msg?: unknown; err?: { message?: unknown } };
      try {
        e = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof e.time !== 'number' || e.time < sinceMs) break;
      if (typeof e.level !== 'number' || e.level < 50 || typeof e.msg !== 'string') continue;
      const detail = typeof e.err?.message === 'string' ? `: ${e.err.message}` : '';
      return `${e.msg}${detail}`.split('\n')[0]?.slice(0, 300);
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Stage 2: the settings from the launcher, read whole; the pipe is closed after. */
export function readSettingsPipe(): unknown {
  try {
    return JSON.parse(readFileSync(SETTINGS_FD, 'utf8'));
  } finally {
    closeSync(SETTINGS_FD);
  }
}

/** Stage 2: tell the launcher how start-up went, and close the pipe. */
export function report(value: Report): void {
  try {
    writeSync(READY_FD, `${JSON.stringify(value)}\n`);
    closeSync(READY_FD);
  } catch {
    // The launcher is gone (killed by the user); the daemon goes on, or exits, regardless.
  }
}

const O_CLOEXEC = 0o2000000;

/**
 * daemon(7) step 1: close every descriptor the daemon inherited but stdio and the two pipes from
 * the launcher. Node cannot enumerate "inherited" directly, but libuv opens all of its own
 * descriptors close-on-exec, so any other descriptor above 2 without O_CLOEXEC came from whoever
 * started us (a shell's, an IDE's, a CI runner's) and would otherwise stay open for months.
 *
 * Not quite all of Node's own: on Node 24 and 26, loading `node:https` (the webhooks) starts a
 * thread that reads the system's CA bundle through OpenSSL, which opens it without O_CLOEXEC.
 * Closing that descriptor under the thread's feet meant the thread then closed whatever file of
 * ours had been given the same number: a log that lost its descriptor, `fchown: EBADF` at start,
 * or libuv aborting on a descriptor of its own (a daemon that died starting, without a word). So
 * stage 2 calls this first thing (cli.ts), before any module that starts such a thread is loaded.
 */
export function closeInheritedDescriptors(): number[] {
  const closed: number[] = [];
  for (const entry of readdirSync('/proc/self/fdinfo')) {
    const fd = Number(entry);
    if (fd <= 2 || fd === READY_FD || fd === SETTINGS_FD) continue;
    try {
      const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
      if (flags && (Number.parseInt(flags[1] as string, 8) & O_CLOEXEC) === 0) {
        closeSync(fd);
        closed.push(fd);
      }
    } catch {
      // Gone already (the descriptor readdir itself used).
    }
  }
  return closed;
}
