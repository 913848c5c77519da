// The command line of docs/command-line.md, with yargs: commands, options, environment
// (PING_DAEMON_*), the JSON config file (--config), strict checking and completion are all yargs'
// own. Parsing is synchronous and returns the action to run, so the same parse serves `main` and
// SIGHUP's re-read of the configuration.

import type { Options as YargsOption } from 'yargs';
import yargs, { type Argv } from 'yargs';
import { checkPrograms } from '../alerts/hook.js';
import { closest } from '../config/closest.js';
import { loadConfigFile } from '../config/config-file.js';
import { formatDuration } from '../config/duration.js';
import {
  ENV_PREFIX,
  formats,
  keyName,
  logLevels,
  type Place,
  serviceOptions,
} from '../config/options.js';
import {
  checkEnvironment,
  type Mode,
  resolvePidFile,
  resolveSettings,
  type Settings,
} from '../config/settings.js';
import { type ConfigError, ExitCode, PingDaemonError, UsageError } from '../errors.js';
import { checkTrust } from '../lifecycle/trust.js';
import { packageVersion } from '../paths.js';
import {
  DEFAULT_LINES,
  DEFAULT_STOP_TIMEOUT_MS,
  OVERVIEW_FROM,
  refuseDashedTimes,
} from './command-options.js';
import { COMMANDS } from './commands.js';
import type { Action, CommandContext, Invocation } from './context.js';

/** Settings for `mode` from the command line, the environment and the config file. */
export function readSettings(invocation: Invocation, mode: Mode): Settings {
  const { argv, fromFile } = parse(invocation);
  const settings = resolveSettings(argv, placeOf(invocation), mode, invocation.cwd, fromFile);
  checkPrograms(settings.targets);
  checkTrust(settings);
  return settings;
}

function placeOf(invocation: Invocation): Place {
  return { uid: invocation.uid };
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
    settings: (mode, from = invocation) => readSettings(from, mode),
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
  refuseDashedTimes(invocation.args);
  const parser: Argv = yargs(invocation.args);
  return (
    parser
      .scriptName('ping-daemon')
      .usage(
        '$0 [start] --host HOST [options]\n$0 <command> --help\n\nPing a host on a fixed schedule and log every probe.',
      )
      .env(ENV_PREFIX)
      .config('config', 'JSON config file; keys are the option names in camelCase', readConfig)
      .alias('config', 'c')
      .option('pid-file', serviceOptions()['pid-file'] as YargsOption)
      .command(
        ['start', '$0'],
        'start in the background; return once it is running (the default command)',
        (y) => daemonOptions(y),
        handle(() => import('../commands/start.js'), 'startCommand'),
      )
      .command(
        'run',
        'run in the foreground (systemd, containers, debugging)',
        (y) => daemonOptions(y, '$0 run --host HOST [options]'),
        handle(() => import('../commands/run.js'), 'runCommand'),
      )
      .command(
        'stop',
        'stop the daemon: SIGTERM, then wait for it to exit',
        (y) =>
          controlOptions(
            y,
            'stop',
            `$0 stop [--pid-file FILE] [--timeout ${formatDuration(DEFAULT_STOP_TIMEOUT_MS)}] [--force]`,
            ['timeout', 'force'],
            invocation.args,
          )
            .option('timeout', {
              describe: `how long to wait for the exit (stop: default ${formatDuration(DEFAULT_STOP_TIMEOUT_MS)})`,
            })
            .option('force', {
              type: 'boolean',
              describe: 'SIGKILL the daemon if it outlives --timeout',
            }),
        handle(() => import('../commands/stop.js'), 'stopCommand'),
      )
      .command(
        'status',
        'is it running, since when, doing what (LSB exit codes)',
        (y) =>
          controlOptions(
            y,
            'status',
            '$0 status [--pid-file FILE] [--json]',
            ['json'],
            invocation.args,
          ).option('json', { type: 'boolean', describe: "print the daemon's state as JSON" }),
        handle(() => import('../commands/status.js'), 'statusCommand'),
      )
      .command(
        'logs',
        'print the last lines of the ping log; follow it with -f (survives rotation)',
        (y) =>
          controlOptions(
            y,
            'logs',
            `$0 logs [-n ${DEFAULT_LINES}] [-f] [--json] [--host H] [--since 10m] [--summary] [--log-file FILE]`,
            ['lines', 'follow', 'json', 'since', 'summary', 'host', 'logFile'],
            invocation.args,
          )
            .option('log-file', {
              type: 'string',
              describe: "the ping log to read (default: the running daemon's)",
            })
            .option('host', { alias: 'H', type: 'string', describe: "only this host's lines" })
            .option('lines', {
              alias: 'n',
              type: 'string',
              describe: `how many lines (default ${DEFAULT_LINES})`,
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
        handle(() => import('../commands/logs.js'), 'logsCommand'),
      )
      .command(
        'restart',
        'stop, then start: as it was started, or with the options given',
        (y) => daemonOptions(y, '$0 restart [--pid-file FILE] [options]'),
        handle(() => import('../commands/restart.js'), 'restartCommand'),
      )
      .command(
        'reload',
        'SIGHUP: re-read the config file and reopen the logs',
        (y) => controlOptions(y, 'reload', '$0 reload [--pid-file FILE]', [], invocation.args),
        handle(() => import('../commands/reload.js'), 'reloadCommand'),
      )
      .command(
        'graph',
        'SmokePing-style SVG of any range: median, spread, loss, outages',
        (y) =>
          controlOptions(
            y,
            'graph',
            '$0 graph [--host H]... [--since 24h] [--until TIME] [--output FILE] [--overview] [--scale auto|shared|log]',
            [
              'host',
              'since',
              'until',
              'output',
              'logFile',
              'historyDir',
              'source',
              'scale',
              'overview',
            ],
            invocation.args,
          )
            .option('log-file', {
              type: 'string',
              describe: "the ping log (default: the running daemon's)",
            })
            .option('history-dir', {
              type: 'string',
              describe: 'the history to read (default: beside the log)',
            })
            .option('host', {
              alias: 'H',
              type: 'string',
              describe: 'only these hosts: names or globs like 10.0.*; repeat for more',
            })
            .option('since', {
              type: 'string',
              describe: 'the start: a duration back like 3h, 10d, 2w, 1y, or a date (default 24h)',
            })
            .option('until', {
              type: 'string',
              describe: 'the end: a date (2026-11-30T12:00) or a duration ago (default now)',
            })
            .option('output', {
              alias: 'o',
              type: 'string',
              describe: 'write the SVG here, replacing the file (default: stdout)',
            })
            .option('overview', {
              type: 'boolean',
              describe: `one row per host, a heatmap of latency and loss (more than ${OVERVIEW_FROM} hosts: always)`,
            })
            .option('scale', {
              type: 'string',
              describe: 'y axis: auto (per panel), shared or log',
            })
            .option('source', {
              type: 'string',
              describe: 'auto (the history if there is one), history, or log',
            })
            .example('$0 graph --since 3h -o ping.svg', 'the last three hours, as a file')
            .example('$0 graph --since 400d --overview', 'a year and more, one row per host')
            .example("$0 graph -H 'db-*' --since 2026-11-01 --until 2026-12-01", 'November'),
        handle(() => import('../commands/graph.js'), 'graphCommand'),
      )
      .command(
        'history <action>',
        'rebuild: make the consolidated history anew from the ping log and its rotations',
        (y) =>
          controlOptions(
            y,
            'history',
            '$0 history rebuild [--log-file FILE] [--history-dir DIR]',
            ['logFile', 'historyDir'],
            invocation.args,
          )
            .positional('action', { choices: ['rebuild'], describe: 'what to do' })
            .option('log-file', {
              type: 'string',
              describe: "the ping log to read, rotated files too (default: the running daemon's)",
            })
            .option('history-dir', {
              type: 'string',
              describe: 'where the history goes (default: beside the log)',
            }),
        handle(() => import('../commands/history.js'), 'historyCommand'),
      )
      .command(
        'notify-test',
        'send a test notification through the configured channels; exit 0 if all took it',
        (y) =>
          controlOptions(
            y,
            'notify-test',
            '$0 notify-test [--host H] [-c CONFIG] [--on-change P] [--webhook URL] [--alertmanager URL]\n\nWithout channel options or -c: the channels of the daemon running here, else of the environment and default config.',
            ['host', 'onChange', 'webhook', 'alertmanager', 'hookTimeout', 'user', 'group'],
            invocation.args,
          ).options(
            shownOptions([
              'host',
              'on-change',
              'webhook',
              'alertmanager',
              'hook-timeout',
              'user',
              'group',
            ]),
          ),
        handle(() => import('../commands/notify-test.js'), 'notifyTestCommand'),
      )
      .command(
        'install-service',
        'install the systemd unit, the example config and the logrotate file',
        (y) =>
          controlOptions(
            y,
            'install-service',
            '$0 install-service [--dry-run] [--forking] [--root DIR] [--bin PATH]',
            ['dryRun', 'forking', 'root', 'bin'],
            invocation.args,
          )
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
        handle(() => import('../commands/install-service.js'), 'installServiceCommand'),
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
      // Values for the options that take one of a few (yargs completes option names only).
      .completion('__completion', false, ((
        current: string,
        _argv: unknown,
        fallback: () => void,
        done: (completions: string[]) => void,
      ) => {
        const previous = invocation.args.at(-2);
        const values =
          previous === '--format' ? formats : previous === '--log-level' ? logLevels : undefined;
        if (values) done(values.filter((v) => v.startsWith(current)));
        else fallback();
        // @types/yargs 17 does not know yargs 18's fallback completion function.
      }) as unknown as Parameters<Argv['completion']>[2])
      .help()
      .alias('help', 'h')
      .version(packageVersion())
      .wrap(Math.min(100, process.stdout.columns || 100))
      .exitProcess(false)
      .fail((message, err) => {
        if (configError) throw configError;
        if (err instanceof PingDaemonError) throw err;
        const text = withoutCamelTwins(message ?? err?.message ?? 'invalid command line');
        throw new UsageError(`${text}${suggestion(text)}; see 'ping-daemon --help'`);
      })
  );
}

/**
 * yargs names an unknown `--log-fle` twice, as typed and camelCased (`log-fle, logFle`): once is
 * enough. Pure.
 */
export function withoutCamelTwins(message: string): string {
  const listed = /^Unknown arguments: (.+)$/.exec(message)?.[1];
  if (listed === undefined) return message;
  const names = listed.split(', ');
  const kept = names.filter((n) => !names.some((other) => other !== n && keyName(other) === n));
  return `Unknown argument${kept.length === 1 ? '' : 's'}: ${kept.join(', ')}`;
}

/** `; did you mean status?` for `Unknown argument: stat`, or nothing. */
export function suggestion(message: string): string {
  const unknown = /Unknown arguments?: ([^,\s]+)/.exec(message)?.[1];
  if (unknown === undefined) return '';
  const flags = [
    ...Object.keys(serviceOptions()).filter((f) => f !== 'hosts'),
    ...['config', 'lines', 'follow', 'json', 'since', 'summary', 'force', 'dry-run', 'forking'],
  ];
  // A flag is compared with flags; a word with commands and flags (`hots` is `--host`).
  const asFlags = flags.map((f) => `--${f}`);
  const best = closest(unknown, unknown.startsWith('-') ? asFlags : [...COMMANDS, ...asFlags]);
  return best === undefined ? '' : ` (did you mean ${best}?)`;
}

/** start, run, restart: every service option, shown and taken. */
function daemonOptions(y: Argv, usage?: string): Argv {
  return (usage === undefined ? y : y.usage(usage)).options(serviceOptions());
}

/** Some of the service options, as they are shown and taken by start. */
function shownOptions(flags: string[]): Record<string, YargsOption> {
  const all = serviceOptions();
  return Object.fromEntries(flags.map((flag) => [flag, all[flag] as YargsOption]));
}

/** Short flags and the options they stand for. */
const ALIASES: Record<string, string> = {
  H: 'host',
  n: 'lines',
  f: 'follow',
  c: 'config',
  h: 'help',
  o: 'output',
};

/** The options a command line typed: `--log-file=x` → logFile, `-nf` → lines, follow. */
export function typedOptions(args: string[]): string[] {
  const names: string[] = [];
  for (const arg of args) {
    if (arg === '--') break;
    const long = /^--(?:no-)?([^=]+)/.exec(arg);
    if (long) names.push(keyName(long[1] as string));
    else if (/^-[A-Za-z]+$/.test(arg)) {
      for (const c of arg.slice(1)) names.push(ALIASES[c] ?? c);
    }
  }
  return names;
}

/**
 * stop, status, reload, logs, install-service: their own options, plus --pid-file and --config.
 * The service options stay known but hidden, so that a config file or PING_DAEMON_* variables
 * meant for the daemon do not trip strict checking; typed on this command line, they are
 * refused.
 */
function controlOptions(
  y: Argv,
  command: string,
  usage: string,
  own: string[],
  args: string[],
): Argv {
  const allowed = new Set([...own, 'pidFile', 'config', 'help', 'version']);
  const hidden = Object.fromEntries(
    Object.entries(serviceOptions())
      .filter(([flag]) => !allowed.has(keyName(flag)))
      .map(([flag, spec]) => {
        const { alias: _alias, ...rest } = spec;
        return [flag, { ...rest, hidden: true }];
      }),
  );
  return y
    .usage(usage)
    .option('pid-file', serviceOptions()['pid-file'] as YargsOption)
    .options(hidden)
    .check(() => {
      const wrong = typedOptions(args).find((name) => !allowed.has(name));
      if (wrong !== undefined) {
        const flag = `--${wrong.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
        throw new UsageError(
          `${command} does not take ${flag}; see 'ping-daemon ${command} --help'`,
        );
      }
      return true;
    });
}

interface Parsed {
  argv: Record<string, unknown>;
  action: Action | undefined;
  fromFile: Record<string, unknown> | undefined;
}

/**
 * The command line's parse, kept for the command's first request for its settings, which would
 * read the same command line, environment and file again (a start would pay yargs twice). Taken
 * once: a re-read (SIGHUP) must read the file anew.
 */
const parses = new WeakMap<Invocation, Parsed>();

function parse(invocation: Invocation): Parsed {
  const known = parses.get(invocation);
  parses.delete(invocation);
  if (known) return known;
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
  skipHelpCache(parser);
  const argv = parser.parseSync() as Record<string, unknown>;
  return { argv, action, fromFile };
}

/**
 * After a command's handler, yargs renders the whole help text in case the handler asks for it
 * (`showHelp`), which ours never do: 60 ms of cliui's wrapping, half of a start's parse. Its
 * usage object is internal, so this only stubs the method when it is there as expected; if a
 * yargs update moves it, parses are merely slower again.
 */
function skipHelpCache(parser: Argv): void {
  type Usage = { cacheHelpMessage?: () => void };
  type Internal = { getInternalMethods?: () => { getUsageInstance?: () => Usage } };
  const usage = (parser as unknown as Internal).getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/**
 * Parses the command line; returns the action to run, or `undefined` when yargs has already done
 * the work (--help, --version, completion). Throws UsageError or ConfigError.
 */
export function parseCommandLine(invocation: Invocation): Action | undefined {
  const parsed = parse(invocation);
  parses.set(invocation, parsed);
  return parsed.action;
}
