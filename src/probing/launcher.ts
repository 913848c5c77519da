// The ping launcher: one long-lived /bin/sh that forks the default prober's pings, so that a
// probe costs the daemon a line written and a line read instead of a fork of itself. A fork of a
// 50 MB Node process costs it some 5 ms of CPU on a virtual machine, more than the ping it runs
// (docs/performance.md); the shell is 2 MB and starts a background command with vfork. ping
// writes its output to a file of its own in a directory only the daemon can enter, which the
// daemon reads once the shell reports ping's exit status.
//
// The shell starts ping itself, with no subshell around it to report its status: that subshell
// was a fork of the shell that then forked ping, and cost 1 to 2.6 ms of CPU per probe on the
// development VM, more than the whole daemon's share. Instead a SIGCHLD trap ends the shell's
// `read` (dash returns from it when a trapped signal comes while it waits), and the shell then
// reports each ping that has gone (reaped by the shell: /proc/PID no longer there).
//
// Words between the two, one line each: the daemon writes `ID<TAB>ARG<TAB>ARG…`, or an empty
// line to make the shell look for pings that have ended; the shell answers `R ID STATUS` when
// ping has exited. ping's PID, which the daemon needs only to signal a ping past its deadline, is
// not said on the pipe but left in a file beside ping's output (`ID.pid`), read when needed: a
// line on the pipe woke the daemon once more per probe, a fifth of its CPU at one host.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  unlinkSync,
} from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeErrno } from '../errors.js';
import { isAlive } from '../lifecycle/proc.js';
import { PING_ENV } from './ping-env.js';

/**
 * The shell's program. Each request becomes `ping ARGS >FILE 2>&1 &`; the arguments reach ping as
 * they were written, split at tabs only, with globbing off (`set -f`), never evaluated. `jobs`
 * holds ` PID:ID` of each ping not yet reported. A line cut by the trap is kept (`acc`) and
 * completed by the next read. When its stdin ends, however the daemon ended, it waits for the
 * pings under way (each ends by its own -W), reports them, and exits.
 */
const LAUNCHER = [
  'ping=$PING_PROGRAM dir=$1',
  "tab='\t'",
  'set -f',
  "jobs=' ' acc= chld=",
  "trap 'chld=1' CHLD",
  'reap() {',
  '  chld=',
  '  for job in $jobs; do',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's own parameter expansion
  '    [ -e "/proc/${job%:*}" ] && continue',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's own parameter expansion
  '    wait "${job%:*}"',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's own parameter expansion
  '    echo "R ${job#*:} $?"',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's own parameter expansion
  '    jobs="${jobs%% "$job" *} ${jobs#* "$job" }"',
  '  done',
  '}',
  'while :; do',
  '  [ -n "$chld" ] && reap',
  '  if IFS= read -r line; then',
  '    line=$acc$line acc=',
  '  else',
  '    [ -z "$chld" ] && break',
  '    acc=$acc$line',
  '    continue',
  '  fi',
  '  [ -z "$line" ] && continue',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's own parameter expansion
  '  id=${line%%"$tab"*}',
  '  IFS=$tab',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's own parameter expansion
  '  set -- ${line#*"$tab"}',
  '  unset IFS',
  '  "$ping" "$@" >"$dir/$id" 2>&1 </dev/null &',
  '  jobs="$jobs$!:$id "',
  '  echo $! >"$dir/$id.pid"',
  'done',
  'trap - CHLD',
  'for job in $jobs; do',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's own parameter expansion
  '  wait "${job%:*}"',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's own parameter expansion
  '  echo "R ${job#*:} $?"',
  'done',
].join('\n');

/** What one program run left behind. */
export interface JobResult {
  output: string;
  exitCode: number | null;
  signal: string | null;
  /** The program could not be run at all: why. */
  spawnError?: string;
}

/** Output beyond this is dropped: a probe's useful output is a few hundred bytes. */
export const MAX_OUTPUT = 64 * 1024;

/** The signal name of a shell's exit status 128 + N, or undefined. */
function signalOf(status: number): string | null {
  if (status <= 128) return null;
  const name = Object.entries(constants.signals).find(([, n]) => n === status - 128)?.[0];
  return name ?? `signal ${status - 128}`;
}

/**
 * The live descendants of `pid`, parents before children (/proc/PID/task/PID/children). A zombie
 * (exited, not yet reaped) is left out.
 */
export function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const visit = (p: number): void => {
    for (const child of childrenOf(p)) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

/** The live children of `pid` (none when it has gone). */
function childrenOf(pid: number): number[] {
  let children: string;
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1');
  } catch {
    return []; // gone
  }
  return children
    .split(' ')
    .filter((c) => c !== '' && isAlive(Number(c)))
    .map(Number);
}

/** Signals each of `pids`; false when none was left to take it. */
function signalEach(pids: number[], signal: NodeJS.Signals): boolean {
  let any = false;
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      any = true;
    } catch {
      // gone meanwhile
    }
  }
  return any;
}

/** One run of ping, however it was started. */
export interface Job {
  /** Resolves once ping has exited and its output is read (or its launcher went). */
  done: Promise<JobResult>;
  /** Whether ping has exited (its status may still be on its way). */
  exited(): boolean;
  /** Signals ping and whatever it started; false when nothing was left to signal. */
  signal(signal: 'SIGALRM' | 'SIGKILL'): boolean;
  /** What is known now, for a probe that cannot wait any longer. */
  now(): JobResult;
}

const NOTHING: JobResult = { output: '', exitCode: null, signal: null };

interface Pending {
  /** The shell that runs it. */
  shell: ChildProcess;
  /** ping's PID, once read from the file the shell leaves it in. */
  pid?: number;
  resolve(result: JobResult): void;
}

export class PingLauncher {
  readonly #pingPath: string;
  #shell: ChildProcess | undefined;
  #dir: string | undefined;
  #unread = '';
  #nextId = 0;
  readonly #pending = new Map<number, Pending>();
  #closed = false;

  constructor(pingPath: string) {
    this.#pingPath = pingPath;
  }

  /** The shell's PID while it runs. */
  get pid(): number | undefined {
    return this.#shell?.pid;
  }

  /** Runs `pingPath args…`; an argument that is empty or holds a tab or newline is refused. */
  run(args: readonly string[]): Job {
    if (args.some((a) => a === '' || a.includes('\t') || a.includes('\n'))) {
      return settled({ output: '', exitCode: null, signal: null, spawnError: 'bad argument' });
    }
    let shell: ChildProcess;
    try {
      shell = this.#start();
    } catch (err) {
      const spawnError = `cannot run /bin/sh: ${describeErrno(err)}`;
      return settled({ output: '', exitCode: null, signal: null, spawnError });
    }
    const id = this.#nextId++;
    const pending: Pending = { shell, resolve: () => {} };
    const done = new Promise<JobResult>((resolve) => {
      pending.resolve = resolve;
    });
    this.#pending.set(id, pending);
    shell.stdin?.write(`${id}\t${args.join('\t')}\n`);
    // ping and what it started, while ping is still the shell's child: a PID the shell has reaped
    // may already be another process's.
    const pidNow = (): number | undefined => {
      pending.pid ??= this.#pidOf(id);
      return pending.pid;
    };
    const tree = (): number[] => {
      const pid = pidNow();
      if (pid === undefined || shell.pid === undefined) return [];
      if (!childrenOf(shell.pid).includes(pid)) return [];
      return [pid, ...descendantsOf(pid)];
    };
    let nudged = false;
    return {
      done,
      // Before the shell wrote down which PID it is, ping has not even started. Once ping has gone
      // and its status has not come, the shell is woken with an empty line: a SIGCHLD that came
      // just before it began to read did not end that read.
      exited: () => {
        const gone = pidNow() !== undefined && tree().length === 0;
        if (gone && !nudged && this.#pending.get(id) === pending) {
          nudged = true;
          shell.stdin?.write('\n');
        }
        return gone;
      },
      // Deepest first: a stand-in's children go before the stand-in can react.
      signal: (signal) => signalEach(tree().reverse(), signal),
      now: () => NOTHING,
    };
  }

  /** The shell, started on first use and again when it died. */
  #start(): ChildProcess {
    if (this.#shell) return this.#shell;
    if (this.#closed) throw Object.assign(new Error('closed'), { code: 'ESHUTDOWN' });
    // Private to the daemon's user: nobody else can plant a link where ping writes.
    this.#dir ??= mkdtempSync(join(tmpdir(), 'ping-daemon-'));
    // ping's path comes in the environment, not the command line: what looks for a ping by its
    // path (`pgrep -f /usr/bin/ping`, `stop --force`'s tests) finds the pings, not their shell.
    const shell = spawn('/bin/sh', ['-c', LAUNCHER, 'ping-launcher', this.#dir], {
      env: { ...PING_ENV, PING_PROGRAM: this.#pingPath },
      stdio: ['pipe', 'pipe', 'ignore'],
      // Its own process group: Ctrl-C on `run` reaches the daemon only, which lets the probes
      // finish (docs/signals.md), and `stop --force` ends the shell and its pings with one kill.
      detached: true,
    });
    shell.stdin?.on('error', () => {});
    shell.stdout?.setEncoding('latin1');
    shell.stdout?.on('data', (chunk: string) => this.#take(chunk));
    // A shell that exited is replaced at the next probe. Its pings under way can no longer be
    // reported (ping holds neither pipe): once the pipe closes, they get an error.
    shell.once('exit', () => {
      if (this.#shell === shell) this.#shell = undefined;
    });
    const gone = (why: string): void => {
      if (this.#shell === shell) this.#shell = undefined;
      for (const [id, pending] of this.#pending) {
        if (pending.shell !== shell) continue;
        this.#pending.delete(id);
        pending.resolve({ output: '', exitCode: null, signal: null, spawnError: why });
      }
    };
    shell.once('error', (err) => gone(`cannot run /bin/sh: ${describeErrno(err)}`));
    shell.once('close', (code, signal) =>
      gone(
        `the ping launcher ${signal ? `was killed by ${signal}` : `exited with status ${code}`}`,
      ),
    );
    this.#shell = shell;
    return shell;
  }

  #take(chunk: string): void {
    const text = this.#unread + chunk;
    const end = text.lastIndexOf('\n');
    this.#unread = text.slice(end + 1);
    if (end < 0) return;
    for (const line of text.slice(0, end).split('\n')) {
      const [kind, idText, value] = line.split(' ');
      const id = Number(idText);
      const pending = this.#pending.get(id);
      if (!pending || kind !== 'R') continue;
      this.#pending.delete(id);
      pending.resolve(this.#result(id, Number(value)));
    }
  }

  /** ping's PID as the shell wrote it down, or undefined while it has not (or could not). */
  #pidOf(id: number): number | undefined {
    try {
      const text = readFileSync(join(this.#dir as string, `${id}.pid`), 'latin1');
      return /^[1-9][0-9]*\n$/.test(text) ? Number(text) : undefined;
    } catch {
      return undefined; // not yet written
    }
  }

  /** Ping's output, taken from its file, and its status. */
  #result(id: number, status: number): JobResult {
    const file = join(this.#dir as string, String(id));
    try {
      unlinkSync(`${file}.pid`);
    } catch {
      // never written (a full /tmp)
    }
    const signal = signalOf(status);
    let output = '';
    try {
      output = readPrefix(file);
      unlinkSync(file);
    } catch (err) {
      // Killed between its fork and the opening of its output (the shell writes down its PID
      // right after the fork, so a deadline on a loaded machine can come first): it printed
      // nothing, and its signal is the outcome.
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      if (!(missing && signal !== null)) {
        // The shell could not create the file (a full /tmp): its status says so (2).
        return {
          output: '',
          exitCode: null,
          signal: null,
          spawnError: `ping's output: ${describeErrno(err)}`,
        };
      }
    }
    return { output, exitCode: signal === null ? status : null, signal };
  }

  /** Ends the shell once the pings under way are done; resolves when it has gone (or after `waitMs`). */
  close(waitMs = 1000): Promise<void> {
    this.#closed = true;
    const shell = this.#shell;
    const dir = this.#dir;
    const cleanUp = (): void => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    };
    if (!shell || shell.exitCode !== null || shell.signalCode !== null) {
      cleanUp();
      return Promise.resolve();
    }
    shell.stdin?.end();
    return new Promise((resolve) => {
      const limit = setTimeout(() => {
        try {
          if (shell.pid !== undefined) process.kill(-shell.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, waitMs);
      shell.once('close', () => {
        clearTimeout(limit);
        cleanUp();
        resolve();
      });
    });
  }
}

/** One buffer for every read of ping's output: the reads are synchronous, one at a time. */
const buffer = Buffer.allocUnsafe(MAX_OUTPUT);

/** At most MAX_OUTPUT bytes of `file`, as latin1: a stand-in may print without end. */
function readPrefix(file: string): string {
  const fd = openSync(file, 'r');
  try {
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, MAX_OUTPUT - length, null);
      length += n;
      if (n === 0 || length === MAX_OUTPUT) break;
    }
    return buffer.toString('latin1', 0, length);
  } finally {
    closeSync(fd);
  }
}

/** A job that ended before it began. */
export function settled(result: JobResult): Job {
  return {
    done: Promise.resolve(result),
    exited: () => true,
    signal: () => false,
    now: () => result,
  };
}
