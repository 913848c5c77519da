// The daemon's signal handlers (docs/signals.md), in one place. Every signal a user can send has a
// meaning; none kills the daemon behind its back (without an end line for the probe in flight,
// leaving its PID file):
//   SIGTERM, SIGINT and every other signal whose default is to terminate: a graceful stop, a
//     second one an immediate exit;
//   SIGHUP: reload (re-read the config file, reopen the logs);
//   SIGUSR1, SIGUSR2: reopen the logs, what logrotate recipes send them for. Node itself would
//     open its inspector on 127.0.0.1:9229 at SIGUSR1, through which any local user could run
//     code as the daemon (as root): a listener of our own is what stops Node doing that;
//   SIGTSTP, SIGTTIN, SIGTTOU: ignored; a daemon has no terminal, and stopped it would miss ticks.
// Left at their defaults: SIGKILL and SIGSTOP (which cannot be caught), and the fault signals
// (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS), whose handler would return into
// the faulting instruction and spin; they end the daemon with a core, as they should.
import { constants } from 'node:os';

export interface SignalActions {
  stop(signal: NodeJS.Signals): void;
  stopNow(signal: NodeJS.Signals): void;
  reload(): void;
  reopen(signal: NodeJS.Signals): void;
  ignored(signal: NodeJS.Signals): void;
}

const known = (names: string[]): NodeJS.Signals[] =>
  names.filter((name): name is NodeJS.Signals => name in constants.signals);

/**
 * Whether Node's own CPU profiler runs in this process (`--cpu-prof`, `--prof`, on the command
 * line or in NODE_OPTIONS): its sampling clock is SIGPROF, a thousand a second, and taken for a stop
 * signal they stopped the daemon at once and then kept it spinning.
 */
export function profiling(execArgv: readonly string[], nodeOptions = ''): boolean {
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => /^--(cpu-)?prof(=|$)/.test(a));
}

/** Signals whose default action is to terminate, which we turn into a graceful stop. */
export const STOP_SIGNALS = known([
  'SIGTERM',
  'SIGINT',
  'SIGQUIT',
  'SIGALRM',
  'SIGVTALRM',
  ...(profiling(process.execArgv, process.env.NODE_OPTIONS) ? [] : ['SIGPROF']),
  'SIGXCPU',
  'SIGXFSZ',
  'SIGIO',
  'SIGPWR',
  'SIGSTKFLT',
]);
export const REOPEN_SIGNALS = known(['SIGUSR1', 'SIGUSR2']);
export const IGNORED_SIGNALS = known(['SIGTSTP', 'SIGTTIN', 'SIGTTOU']);

/**
 * Called first thing in every process of ours: from here on SIGUSR1 can no longer open Node's
 * inspector. (Commands other than the daemon simply ignore it.)
 */
export function refuseInspectorSignal(): void {
  process.on('SIGUSR1', () => {});
}

/** Installs the handlers; returns the function that removes them. */
export function installSignalHandlers(actions: SignalActions): () => void {
  let stopping = false;
  const onStop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      actions.stopNow(signal);
      return;
    }
    stopping = true;
    actions.stop(signal);
  };
  const handlers: [NodeJS.Signals[], (signal: NodeJS.Signals) => void][] = [
    [STOP_SIGNALS, onStop],
    [['SIGHUP'], () => actions.reload()],
    [REOPEN_SIGNALS, (signal) => actions.reopen(signal)],
    [IGNORED_SIGNALS, (signal) => actions.ignored(signal)],
  ];
  for (const [signals, handler] of handlers) for (const s of signals) process.on(s, handler);
  return () => {
    for (const [signals, handler] of handlers) for (const s of signals) process.off(s, handler);
  };
}
