// One probe: run the system `ping` once and turn what it did into a ProbeResult.
//
// The `ping` package parses the output, but we write the arguments and spawn the process
// ourselves, because the package's own probe() keeps the child to itself and never kills it: a
// ping that hangs (a stand-in, a stuck resolver) would live forever, the tutorial's leak again.
// Owning the child lets us bound every probe by its timeout and kill it on shutdown.
import { type ChildProcess, spawn } from 'node:child_process';
import { isIP } from 'node:net';
import parserFactory from 'ping/lib/parser/factory.js';
import { SYSTEM_PATH } from '../config/options.js';
import { describeErrno } from '../errors.js';
import { isZombie } from '../lifecycle/proc.js';
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

/** The environment `ping` runs in: nothing inherited, C locale so its messages can be matched. */
export const PING_ENV = { PATH: SYSTEM_PATH, LANG: 'C', LC_ALL: 'C' };

/** Output beyond this is dropped: a probe's useful output is a few hundred bytes. */
const MAX_OUTPUT = 64 * 1024;

/** What a ping that could not be started reports, however spawn said so. */
const cannotRun = (pingPath: string, err: unknown): string =>
  `cannot run ${pingPath}: ${describeErrno(err)}`;

/** A probe that could not even start (no descriptors left, no memory): that tick's error. */
function failedProbe(pingPath: string, err: unknown): RunningProbe {
  const spawnError = cannotRun(pingPath, err);
  return {
    result: Promise.resolve(
      normalise({ output: '', parsed: undefined, exitCode: null, signal: null, spawnError }),
    ),
    kill: () => {},
  };
}

export function createProbe(pingPath: string): ProbeFn {
  return (request) => {
    let child: ChildProcess;
    try {
      child = spawn(pingPath, pingArguments(request), {
        env: PING_ENV,
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group: Ctrl-C on `run` reaches the daemon only, which lets the probe
        // finish (docs/signals.md), and a kill reaches a stand-in's children too.
        detached: true,
      });
    } catch (err) {
      return failedProbe(pingPath, err);
    }
    let output = '';
    const collect = (chunk: Buffer): void => {
      if (output.length < MAX_OUTPUT) output += chunk.toString('latin1');
    };
    // Absent when spawn failed (EMFILE: no descriptors for the pipes); 'error' then follows.
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let killed: 'timeout' | 'shutdown' | undefined;
    let spawnError: string | undefined;
    let exit: { code: number | null; signal: string | null } | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const signalGroup = (signal: 'SIGINT' | 'SIGKILL'): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const killGroup = (why: 'timeout' | 'shutdown'): void => {
      killed ??= why;
      signalGroup('SIGKILL');
    };
    let finish: (exitCode: number | null, signal: string | null) => void = () => {};
    /** From now on the probe ends within CLOSE_GRACE_MS, whoever holds its pipes. */
    const endSoon = (): void => {
      clearTimeout(killTimer);
      graceTimer ??= setTimeout(
        () => finish(exit?.code ?? null, exit?.signal ?? null),
        CLOSE_GRACE_MS,
      );
    };
    const deadline = setTimeout(() => {
      // Decide by what ping did, not by which callback runs first: after a SIGSTOP or a stalled
      // event loop this timer can run before the exit we have not yet been told of. A ping that
      // has exited (a zombie not yet reaped) is not interrupted and not a timeout.
      if (exit !== undefined || (child.pid !== undefined && isZombie(child.pid))) {
        endSoon();
        return;
      }
      // Interrupted, ping prints its statistics and exits: they decide (timing.ts). What is still
      // there after the grace is killed, and the probe ends CLOSE_GRACE_MS later at the latest.
      killed = 'timeout';
      signalGroup('SIGINT');
      killTimer = setTimeout(() => {
        killGroup('timeout');
        endSoon();
      }, interruptGraceMs(request.timeoutMs));
    }, killDelayMs(request.timeoutMs));
    const result = new Promise<ProbeResult>((resolve) => {
      // 'close' (all output read) normally decides; after a kill, or when the pipes outlive the
      // ping, the grace timer does. Whichever comes first parses, once.
      let finished = false;
      finish = (exitCode, signal) => {
        if (finished) return;
        finished = true;
        clearTimeout(deadline);
        clearTimeout(killTimer);
        clearTimeout(graceTimer);
        child.stdout?.destroy();
        child.stderr?.destroy();
        const parsed = spawnError === undefined ? parsePingOutput(request.host, output) : undefined;
        resolve(
          normalise({
            output,
            parsed,
            exitCode,
            signal,
            killed,
            spawnError,
            byName: !isIP(request.host),
          }),
        );
      };
      child.once('error', (err: NodeJS.ErrnoException) => {
        spawnError = cannotRun(pingPath, err);
        finish(null, null);
      });
      child.once('close', (code, signal) => finish(code, signal));
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        // The output normally follows at once; pipes held by an escaped child do not hold us.
        endSoon();
      });
    });
    return {
      result,
      kill: () => {
        killGroup('shutdown');
        endSoon();
      },
    };
  };
}
