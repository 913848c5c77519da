// The command line of SPEC §1, with yargs: commands, options, environment (PING_DAEMON_*), the
// JSON config file (--config), strict checking and completion are all yargs' own. Parsing is
// synchronous and returns the action to run, so the same parse serves `main` and SIGHUP's
// re-read of the configuration.
import yargs, { type Argv } from 'yargs';
import { loadConfigFile } from './config-file.js';
import { type ConfigError, ExitCode, PingDaemonError, UsageError } from './errors.js';
import { ENV_PREFIX, type Place, serviceOptions } from './options.js';
import {
  checkEnvironment,
  type Mode,
  resolvePidFile,
  resolveSettings,
  type Settings,
} from './settings.js';

export type Action = () => Promise<number>;

/** yargs reads the environment from process.env itself, so it is not part of an invocation. */
export interface Invocation {
  args: string[];
  uid: number;
  /** Where relative paths are resolved: the user's directory, even in the daemon (cwd `/`). */
  cwd: string;
}

/** What a command handler receives: its parsed argv and a way to parse everything again. */
export interface CommandContext {
  argv: Record<string, unknown>;
  invocation: Invocation;
  /** Settings for `mode` from the command line, environment and config file, read anew. */
  settings(mode: Mode): Settings;
  /** The PID file, for commands that need nothing else. */
  pidFile(): string;
  /**
   * Whether one of `flags` was typed on this command line. `logs --host` (a filter) and
   * `stop --timeout` (a wait) share their names with service options, so the values the
   * environment or config file give those options are not theirs.
   */
  typed(...flags: string[]): boolean;
  place: Place;
}

/** Settings for `mode` from the command line, the environment and the config file. */
export function readSettings(invocation: Invocation, mode: Mode): Settings {
  const { argv, fromFile } = parse(invocation);
  return resolveSettings(argv, placeOf(invocation), mode, invocation.cwd, fromFile);
}

function placeOf(invocation: Invocation): Place {
  return { uid: invocation.uid, env: process.env };
}

function build(
  invocation: Invocation,
  setAction: (action: Action) => void,
  setFromFile: (config: Record<string, unknown>) => void,
): Argv {
  // yargs keeps only the message of an error thrown while reading the config file; keep the
  // error itself, so it reaches the user whole and with its exit code.
  let configError: ConfigError | undefined;
  const readConfig = (path: string): Record<string, unknown> => {
    try {
      const config = loadConfigFile(path);
      setFromFile(config);
      return config;
    } catch (err) {
      configError = err as ConfigError;
      throw err;
    }
  };
  const context = (argv: Record<string, unknown>): CommandContext => ({
    argv,
    invocation,
    settings: (mode) => readSettings(invocation, mode),
    pidFile: () => resolvePidFile(argv, placeOf(invocation), invocation.cwd),
    typed: (...flags) =>
      invocation.args.some((arg) => flags.some((f) => arg === f || arg.startsWith(`${f}=`))),
    place: placeOf(invocation),
  });
  // Each command's module is loaded only when it runs: `status` does not pay for the daemon,
  // and the daemon does not pay for `logs`.
  type CommandModule = Record<string, unknown>;
  const handle =
    (load: () => Promise<CommandModule>, name: string) =>
    (argv: Record<string, unknown>): void =>
      setAction(async () => {
        const command = (await load())[name] as (context: CommandContext) => Promise<number>;
        return command(context(argv));
      });
  const parser: Argv = yargs(invocation.args);
  return (
    parser
      .scriptName('ping-daemon')
      .usage(
        '$0 [command] --host HOST [options]\n\nPing a host on a fixed schedule and log every probe.',
      )
      .env(ENV_PREFIX)
      .config('config', 'JSON config file; keys are the option names in camelCase', readConfig)
      .alias('config', 'c')
      .options(serviceOptions())
      .command(
        ['start', '$0'],
        'start in the background; return once it is running (the default command)',
        () => {},
        handle(() => import('./commands/start.js'), 'startCommand'),
      )
      .command(
        'run',
        'run in the foreground (systemd, containers, debugging)',
        () => {},
        handle(() => import('./commands/run.js'), 'runCommand'),
      )
      .command(
        'stop',
        'stop the daemon: SIGTERM, then wait for it to exit',
        (y) =>
          y
            .option('timeout', { describe: 'how long to wait for the exit (stop: default 10s)' })
            .option('force', {
              type: 'boolean',
              describe: 'SIGKILL the daemon if it outlives --timeout',
            }),
        handle(() => import('./commands/stop.js'), 'stopCommand'),
      )
      .command(
        'status',
        'is it running, since when, doing what (LSB exit codes)',
        (y) => y.option('json', { type: 'boolean', describe: "print the daemon's state as JSON" }),
        handle(() => import('./commands/status.js'), 'statusCommand'),
      )
      .command(
        'logs',
        'print the last lines of the ping log; follow it with -f (survives rotation)',
        (y) =>
          y
            .option('lines', {
              alias: 'n',
              type: 'string',
              describe: 'how many lines (default 20)',
            })
            .option('follow', {
              alias: 'f',
              type: 'boolean',
              describe: 'keep printing new lines, like tail -F',
            })
            .option('json', {
              type: 'boolean',
              describe: 'one JSON object per line, whatever the format',
            })
            .option('since', { type: 'string', describe: 'only lines newer than this, e.g. 10m' })
            .option('summary', {
              type: 'boolean',
              describe: 'per host: probes, up/down/error, loss, RTT min/avg/p50/p95/max',
            })
            .example('$0 logs -f', 'follow the log of the daemon running here')
            .example('$0 logs --since 1h --summary', 'how the last hour went')
            .example('$0 logs -n 100 --host 127.0.0.1 --json', 'one host, as JSON'),
        handle(() => import('./commands/logs.js'), 'logsCommand'),
      )
      .command(
        'restart',
        'stop, then start',
        () => {},
        handle(() => import('./commands/restart.js'), 'restartCommand'),
      )
      .command(
        'reload',
        'SIGHUP: re-read the config file and reopen the logs',
        () => {},
        handle(() => import('./commands/reload.js'), 'reloadCommand'),
      )
      .command(
        'install-service',
        'install the systemd unit, the example config and the logrotate file',
        (y) =>
          y
            .option('dry-run', { type: 'boolean', describe: 'only say what would be installed' })
            .option('forking', { type: 'boolean', describe: 'install the Type=forking variant' })
            .option('root', {
              type: 'string',
              describe: 'install below this directory (default /)',
            })
            .option('bin', {
              type: 'string',
              describe: 'the ping-daemon for ExecStart (default: this one)',
            }),
        handle(() => import('./commands/install-service.js'), 'installServiceCommand'),
      )
      .example('$0 --host www.baidu.com', 'start the daemon in the background')
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
      .strict()
      .recommendCommands()
      // yargs' own `completion` command fails strict checking when exitProcess is off, so the
      // command is ours and yargs keeps only the --get-yargs-completions side under a hidden name.
      .command(
        'completion',
        'print a bash/zsh completion script',
        () => {},
        () =>
          setAction(async () => {
            // @types/yargs 17 omits the ($0, cmd) parameters yargs 18 takes.
            const show = parser.showCompletionScript as unknown as (
              bin: string,
              cmd: string,
            ) => void;
            show.call(parser, 'ping-daemon', 'completion');
            return ExitCode.ok;
          }),
      )
      .completion('__completion', false)
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
      })
  );
}

function parse(invocation: Invocation): {
  argv: Record<string, unknown>;
  action: Action | undefined;
  fromFile: Record<string, unknown> | undefined;
} {
  checkEnvironment(process.env);
  let action: Action | undefined;
  let fromFile: Record<string, unknown> | undefined;
  const parser = build(
    invocation,
    (a) => {
      action = a;
    },
    (config) => {
      fromFile = config;
    },
  );
  const argv = parser.parseSync() as Record<string, unknown>;
  return { argv, action, fromFile };
}

/**
 * Parses the command line; returns the action to run, or `undefined` when yargs has already done
 * the work (--help, --version, completion). Throws UsageError or ConfigError.
 */
export function parseCommandLine(invocation: Invocation): Action | undefined {
  return parse(invocation).action;
}
