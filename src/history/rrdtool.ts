// One long-lived `rrdtool -` child that takes every command, one line each, and answers each with
// its output and `OK …` or `ERROR: …`. Commands are answered in order, so one queue of pending
// answers is all the bookkeeping. The child runs in the history directory and is given only
// relative file names the history makes itself (no spaces, no quoting). If it dies, the pending
// commands fail and the next one starts a new child.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

interface Pending {
  resolve: (lines: string[]) => void;
  reject: (err: Error) => void;
  lines: string[];
}

export class RrdError extends Error {}

export class RrdTool {
  readonly #path: string;
  readonly #cwd: string;
  #child: ChildProcessWithoutNullStreams | undefined;
  readonly #pending: Pending[] = [];
  #partial = '';
  /** Whether the commands of this turn are being gathered into one write. */
  #gathering = false;

  constructor(path: string, cwd: string) {
    this.#path = path;
    this.#cwd = cwd;
  }

  /** Runs one command; its output lines, or an RrdError with rrdtool's message. */
  run(command: string): Promise<string[]> {
    if (/[\r\n]/.test(command)) return Promise.reject(new RrdError('a command is one line'));
    const child = this.#child ?? this.#spawn();
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject, lines: [] });
      this.#gather(child);
      child.stdin.write(`${command}\n`);
    });
  }

  /**
   * The commands given in one turn of the event loop (the recorder gives a minute's update of
   * every host at once) go to rrdtool in one write, whatever the stream would make of them.
   */
  #gather(child: ChildProcessWithoutNullStreams): void {
    if (this.#gathering) return;
    this.#gathering = true;
    child.stdin.cork();
    process.nextTick(() => {
      this.#gathering = false;
      child.stdin.uncork();
    });
  }

  /** Ends the child once it has answered what it was given; SIGKILL after `graceMs`. */
  async close(graceMs = 2000): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('close', () => resolve());
    });
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    timer.unref();
    await exited;
    clearTimeout(timer);
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  #spawn(): ChildProcessWithoutNullStreams {
    const child = spawn(this.#path, ['-'], {
      cwd: this.#cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
    });
    this.#child = child;
    this.#partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.#read(chunk));
    child.stderr.resume();
    child.stdin.on('error', () => {}); // a dead child: 'close' fails what is pending
    const fail = (why: string): void => {
      if (this.#child === child) this.#child = undefined;
      for (const p of this.#pending.splice(0)) p.reject(new RrdError(why));
    };
    child.once('error', (err) => fail(`cannot run ${this.#path}: ${err.message}`));
    child.once('close', (code, signal) => fail(`rrdtool exited (${signal ?? `code ${code}`})`));
    return child;
  }

  #read(chunk: string): void {
    const text = this.#partial + chunk;
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      const head = this.#pending[0];
      if (!head) continue;
      if (line.startsWith('OK u:')) {
        this.#pending.shift();
        head.resolve(head.lines);
      } else if (line.startsWith('ERROR:')) {
        this.#pending.shift();
        head.reject(new RrdError(line.slice(6).trim()));
      } else {
        head.lines.push(line);
      }
    }
  }
}
