// One probe: run the system `ping` once and turn what it did into a ProbeResult.
//
// The `ping` package builds the arguments and parses the output, but we spawn the process
// ourselves, because the package's own probe() keeps the child to itself and never kills it: a
// ping that hangs (a stand-in, a stuck resolver) would live forever, the tutorial's leak again.
// Owning the child lets us bound every probe by its timeout and kill it on shutdown.
import { spawn } from 'node:child_process';
import linuxBuilder from 'ping/lib/builder/linux.js';
import parserFactory from 'ping/lib/parser/factory.js';
import { PACKET_GAP_MS, SYSTEM_PATH } from './options.js';
import { normalise, type ParsedPing, type ProbeResult } from './ping-result.js';
import { MIN_REPLY_WAIT_MS } from './targets.js';

export interface ProbeRequest {
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
 * The command line for one probe. The package formats every number with `%d`, so a timeout of
 * 0.15 s would become `-W 0`, which iputils reads as "wait forever": we turn its timeout off and
 * pass `-W` ourselves with the fraction, which iputils accepts. `-W` counts from the last echo
 * request, so the packets' gaps come off it. No `-w`: it takes whole seconds only and makes ping
 * wait out the full deadline for a silent host. `--` ends the options, so even a host that
 * slipped past validation could never be read as one.
 */
export function pingArguments({ host, count, timeoutMs }: ProbeRequest): string[] {
  const waitMs = Math.max(MIN_REPLY_WAIT_MS, timeoutMs - (count - 1) * PACKET_GAP_MS);
  const extra = ['-W', String(Math.round(waitMs) / 1000)];
  if (count > 1) extra.push('-i', String(PACKET_GAP_MS / 1000));
  extra.push('--');
  return linuxBuilder.getCommandArguments(host, {
    numeric: true,
    timeout: false,
    deadline: false,
    min_reply: count,
    v6: false,
    extra,
  });
}

/**
 * How long past its timeout a probe may run before it is killed: ping's own `-W` normally ends it
 * first; the grace keeps a slow exit from being reported as a hang.
 */
export function killDelayMs(timeoutMs: number): number {
  return timeoutMs + Math.min(500, Math.round(timeoutMs / 8));
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
const pingEnv = { PATH: SYSTEM_PATH, LANG: 'C', LC_ALL: 'C' };

/** Output beyond this is dropped: a probe's useful output is a few hundred bytes. */
const MAX_OUTPUT = 64 * 1024;

export function createProbe(pingPath: string): ProbeFn {
  return (request) => {
    const child = spawn(pingPath, pingArguments(request), {
      env: pingEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: Ctrl-C on `run` reaches the daemon only, which lets the probe
      // finish (SPEC §5), and a kill reaches a stand-in's children too.
      detached: true,
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      if (output.length < MAX_OUTPUT) output += chunk.toString('latin1');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let killed: 'timeout' | 'shutdown' | undefined;
    let spawnError: string | undefined;
    const killGroup = (why: 'timeout' | 'shutdown'): void => {
      killed ??= why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => killGroup('timeout'), killDelayMs(request.timeoutMs));
    const result = new Promise<ProbeResult>((resolve) => {
      // After a kill both 'exit' and 'close' come: the first one decides, parsing once.
      let finished = false;
      const finish = (exitCode: number | null, signal: string | null): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        const parsed = spawnError === undefined ? parsePingOutput(request.host, output) : undefined;
        resolve(normalise({ output, parsed, exitCode, signal, killed, spawnError }));
      };
      child.once('error', (err: NodeJS.ErrnoException) => {
        spawnError = `cannot run ${pingPath}: ${err.code ?? err.message}`;
        finish(null, null);
      });
      // 'close' waits for the pipes, which a killed stand-in's orphans could hold open; after a
      // kill, 'exit' is enough.
      child.once('close', finish);
      child.once('exit', (code, signal) => {
        if (killed) finish(code, signal);
      });
    });
    return { result, kill: () => killGroup('shutdown') };
  };
}
