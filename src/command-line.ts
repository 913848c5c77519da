// The command line of SPEC §1, with yargs: commands, options, environment (PING_DAEMON_*), the
// JSON config file (--config), strict checking and completion are all yargs' own. Parsing is
// synchronous and returns the action to run, so the same parse serves `main` and SIGHUP's
// re-read of the configuration.
import yargs, { type Argv } from 'yargs';
import { runCommand } from './commands/run.js';
import { loadConfigFile } from './config-file.js';
import { type ConfigError, PingDaemonError, UsageError } from './errors.js';
import { ENV_PREFIX, serviceOptions } from './options.js';
import { checkEnvironment, type Mode, resolveSettings, type Settings } from './settings.js';

export type Action = () => Promise<number>;

/** yargs reads the environment from process.env itself, so it is not part of an invocation. */
export interface Invocation {
  args: string[];
  uid: number;
}

/** What a command handler receives: its parsed argv and a way to parse everything again. */
export interface CommandContext {
  argv: Record<string, unknown>;
  invocation: Invocation;
  /** Settings for `mode` from the command line, environment and config file, read anew. */
  settings(mode: Mode): Settings;
}

/** Settings for `mode` from the command line, the environment and the config file. */
export function readSettings(invocation: Invocation, mode: Mode): Settings {
  const { argv } = parse(invocation);
  return resolveSettings(argv, { uid: invocation.uid, env: process.env }, mode);
}

function build(invocation: Invocation, setAction: (action: Action) => void): Argv {
  // yargs keeps only the message of an error thrown while reading the config file; keep the
  // error itself, so it reaches the user whole and with its exit code.
  let configError: ConfigError | undefined;
  const readConfig = (path: string): Record<string, unknown> => {
    try {
      return loadConfigFile(path);
    } catch (err) {
      configError = err as ConfigError;
      throw err;
    }
  };
  const context = (argv: Record<string, unknown>): CommandContext => ({
    argv,
    invocation,
    settings: (mode) => readSettings(invocation, mode),
  });
  return yargs(invocation.args)
    .scriptName('ping-daemon')
    .usage(
      '$0 [command] --host HOST [options]\n\nPing a host on a fixed schedule and log every probe.',
    )
    .env(ENV_PREFIX)
    .config('config', 'JSON config file; keys are the option names in camelCase', readConfig)
    .alias('config', 'c')
    .options(serviceOptions())
    .command(
      'run',
      'run in the foreground (systemd, containers, debugging)',
      () => {},
      (argv) => setAction(() => runCommand(context(argv))),
    )
    .example(
      '$0 run --host 127.0.0.1 --interval 200ms --log-file /tmp/p.log',
      'foreground, 5 probes a second',
    )
    .example('$0 run -c /etc/ping-daemon/config.json', 'everything from the config file')
    .example('PING_DAEMON_HOST=::1 $0 run', 'options from the environment')
    .epilogue(
      `Every option can also be set as ${ENV_PREFIX}_<NAME> (e.g. ${ENV_PREFIX}_LOG_FILE) or in the ` +
        'config file; the command line wins over the environment, which wins over the file.',
    )
    .demandCommand(1, 'give a command, e.g. run')
    .strict()
    .recommendCommands()
    .completion('completion', 'print a shell completion script')
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, err) => {
      if (configError) throw configError;
      if (err instanceof PingDaemonError) throw err;
      const text = message ?? err?.message ?? 'invalid command line';
      throw new UsageError(`${text}; see 'ping-daemon --help'`);
    });
}

function parse(invocation: Invocation): {
  argv: Record<string, unknown>;
  action: Action | undefined;
} {
  checkEnvironment(process.env);
  let action: Action | undefined;
  const argv = build(invocation, (a) => {
    action = a;
  }).parseSync() as Record<string, unknown>;
  return { argv, action };
}

/**
 * Parses the command line; returns the action to run, or `undefined` when yargs has already done
 * the work (--help, --version, completion). Throws UsageError or ConfigError.
 */
export function parseCommandLine(invocation: Invocation): Action | undefined {
  return parse(invocation).action;
}
