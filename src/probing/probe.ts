// One probe: run the system `ping` once and turn what it did into a ProbeResult.
//
// The `ping` package parses the output, but we write the arguments and spawn the process
// ourselves, because the package's own probe() keeps the child to itself and never kills it: a
// ping that hangs (a stand-in, a stuck resolver) would live forever, the tutorial's leak again.
// Owning the child lets us bound every probe by its timeout and kill it on shutdown. The daemon
// runs its pings through the launcher (launcher.ts), a small shell that forks them for a fifth of
// what a fork of the daemon costs; spawnJob runs one directly.
import { type ChildProcess, spawn } from 'node:child_process';
import { isIP } from 'node:net';
import parserFactory from 'ping/lib/parser/factory.js';
import { describeErrno } from '../errors.js';
import { isZombie } from '../lifecycle/proc.js';
import { type Job, type JobResult, MAX_OUTPUT, type PingLauncher, settled } from './launcher.js';
import { PING_ENV } from './ping-env.js';
import { normalise, type ParsedPing, type ProbeResult } from './ping-result.js';
import {
  CLOSE_GRACE_MS,
  interruptGraceMs,
  killDelayMs,
  PACKET_GAP_MS,
  replyWaitMs,
} from './timing.js';

/** How ping sends its echo requests (docs/statistics.md); each absent field is ping's default. */
export interface ProbeOptions {
  /** `-4` or `-6`; absent: whatever the name resolves to first. */
  family?: 4 | 6;
  /** `-s`: payload bytes. */
  size?: number;
  /** `-t`: IP time to live. */
  ttl?: number;
  /** `-Q`: the IP TOS byte (DSCP and ECN). */
  tos?: number;
  /** `-I`: a source address or an interface name. */
  source?: string;
}

export interface ProbeRequest extends ProbeOptions {
  host: string;
  count: number;
  timeoutMs: number;
}

export interface RunningProbe {
  result: Promise<ProbeResult>;
  /** Ends the probe now (immediate shutdown); its result becomes an error. */
  kill(): void;
}

export type ProbeFn = (request: ProbeRequest) => RunningProbe;

/**
 * The command line for one probe: numeric output, `count` echo requests, and how long to wait.
 * `-W` takes a fraction (0.15 s), which iputils accepts; the `ping` package's own builder would
 * format it with `%d` as `-W 0`, "wait forever". `-W` counts from the last echo request, so the
 * packets' gaps come off it. No `-w`: it takes whole seconds only and makes ping wait out the
 * full deadline for a silent host. `--` ends the options, so even a host that slipped past
 * validation could never be read as one.
 */
export function pingArguments(request: ProbeRequest): string[] {
  const { host, count, timeoutMs } = request;
  const args = [
    '-n',
    '-c',
    String(count),
    '-W',
    String(Math.round(replyWaitMs(timeoutMs, count)) / 1000),
  ];
  if (count > 1) args.push('-i', String(PACKET_GAP_MS / 1000));
  // Each value its own argument, all before `--`; validated like a host (option-checks.ts).
  if (request.family !== undefined) args.push(`-${request.family}`);
  if (request.size !== undefined) args.push('-s', String(request.size));
  if (request.ttl !== undefined) args.push('-t', String(request.ttl));
  if (request.tos !== undefined) args.push('-Q', String(request.tos));
  if (request.source !== undefined) args.push('-I', request.source);
  return [...args, '--', host];
}

/** Parses ping's output with the package's parser; `undefined` when it is not ping output. */
export function parsePingOutput(host: string, output: string): ParsedPing | undefined {
  // The package's parser throws on output it does not expect (a garbage-printing stand-in):
  // such output is simply not understood.
  try {
    const parser = parserFactory.createParser(host, 'linux', {});
    for (const line of output.split('\n')) parser.eat(line);
    return parser.getResult();
  } catch {
    return undefined;
  }
}

/** What a ping that could not be started reports, however spawn said so. */
const cannotRun = (pingPath: string, err: unknown): string =>
  `cannot run ${pingPath}: ${describeErrno(err)}`;

/**
 * ping spawned by the daemon itself, in a process group of its own: Ctrl-C on `run` reaches the
 * daemon only, which lets the probe finish (docs/signals.md), and a signal reaches a stand-in's
 * children too. Its result comes when its pipes close, or CLOSE_GRACE_MS after it exited when
 * something that escaped the group holds them.
 */
export function spawnJob(pingPath: string, args: string[]): Job {
  const known: JobResult = { output: '', exitCode: null, signal: null };
  let child: ChildProcess;
  try {
    child = spawn(pingPath, args, {
      env: PING_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
  } catch (err) {
    return settled({ ...known, spawnError: cannotRun(pingPath, err) });
  }
  const collect = (chunk: Buffer): void => {
    if (known.output.length < MAX_OUTPUT) known.output += chunk.toString('latin1');
  };
  // Absent when spawn failed (EMFILE: no descriptors for the pipes); 'error' then follows.
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  const done = new Promise<JobResult>((resolve) => {
    let grace: NodeJS.Timeout | undefined;
    const end = (): void => {
      clearTimeout(grace);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({ ...known });
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      known.spawnError = cannotRun(pingPath, err);
      end();
    });
    child.once('close', (code, signal) => {
      known.exitCode = code;
      known.signal = signal;
      end();
    });
    child.once('exit', (code, signal) => {
      exited = true;
      known.exitCode = code;
      known.signal = signal;
      // The output normally follows at once; pipes held by an escaped child do not hold us.
      grace = setTimeout(end, CLOSE_GRACE_MS);
    });
  });
  return {
    done,
    // A ping that has exited but whose exit we have not been told of (a zombie not yet reaped,
    // as after a SIGSTOP of the daemon) has exited all the same.
    exited: () => exited || (child.pid !== undefined && isZombie(child.pid)),
    signal: (signal) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
        return true;
      } catch {
        return false; // already gone
      }
    },
    now: () => ({ ...known }),
  };
}

/**
 * The probe function: each probe runs ping through `launcher` (the default prober's long-lived
 * shell, launcher.ts) or, without one, spawns it directly.
 */
export function createProbe(pingPath: string, launcher?: PingLauncher): ProbeFn {
  return (request) => {
    const args = pingArguments(request);
    const job = launcher ? launcher.run(args) : spawnJob(pingPath, args);
    let killed: 'timeout' | 'shutdown' | undefined;
    let deadline: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let finish: (outcome: JobResult) => void = () => {};
    /** From now on the probe ends within CLOSE_GRACE_MS, with whatever ping left by then. */
    const endSoon = (): void => {
      clearTimeout(killTimer);
      graceTimer ??= setTimeout(() => finish(job.now()), CLOSE_GRACE_MS);
    };
    const result = new Promise<ProbeResult>((resolve) => {
      let finished = false;
      finish = (outcome) => {
        if (finished) return;
        finished = true;
        clearTimeout(deadline);
        clearTimeout(killTimer);
        clearTimeout(graceTimer);
        const { output, exitCode, signal, spawnError } = outcome;
        const parsed = spawnError === undefined ? parsePingOutput(request.host, output) : undefined;
        resolve(
          normalise({
            output,
            parsed,
            exitCode,
            signal,
            killed,
            ...(spawnError === undefined ? {} : { spawnError }),
            byName: !isIP(request.host),
          }),
        );
      };
      job.done.then(finish);
    });
    deadline = setTimeout(() => {
      // Decide by what ping did, not by which callback runs first: after a SIGSTOP or a stalled
      // event loop this timer can run before the exit we have not yet been told of. A ping that
      // has exited is not signalled and not a timeout.
      if (job.exited()) {
        endSoon();
        return;
      }
      // Told its time is up, ping prints its statistics and exits: they decide (timing.ts). What
      // is still there after the grace is killed, and the probe ends CLOSE_GRACE_MS later at the
      // latest.
      killed = 'timeout';
      job.signal('SIGALRM');
      killTimer = setTimeout(() => {
        job.signal('SIGKILL');
        endSoon();
      }, interruptGraceMs(request.timeoutMs));
    }, killDelayMs(request.timeoutMs));
    return {
      result,
      kill: () => {
        killed ??= 'shutdown';
        job.signal('SIGKILL');
        endSoon();
      },
    };
  };
}
