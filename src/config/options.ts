// Every option of docs/command-line.md, its built-in default and its help text, written once. yargs
// reads the specs below; config/ping-daemon.json documents the same defaults
// (test/unit/config/options.test.ts checks that the two agree).
import { homedir, hostname, userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Options as YargsOption } from 'yargs';
import { DEFAULT_TIMEOUT_MS } from '../probing/timing.js';
import { formatDuration } from './duration.js';
import { AUTO_FPING_FROM } from './prober.js';

export const formats = ['text', 'classic', 'json'] as const;
export type Format = (typeof formats)[number];

/**
 * How hosts are probed (docs/fleets.md): one `ping` per tick, long-lived `fping` loops, or `auto`
 * (prober.ts: ping for a few hosts, fping for more when it is installed).
 */
export const probers = ['auto', 'ping', 'fping'] as const;
export type Prober = (typeof probers)[number];

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/** Built-in defaults: the bottom of the precedence CLI > environment > config file > defaults. */
export const DEFAULTS = {
  /** @default '3s' */
  interval: '3s',
  /** @default 1 */
  count: 1,
  /** @default '/home/ping.log' */
  logFile: '/home/ping.log',
  /** @default 'text' */
  format: 'text' as Format,
  /** @default 'info' */
  logLevel: 'info' as LogLevel,
  /** @default '022' */
  umask: '022',
  /** @default 100 */
  maxInflight: 100,
  /** @default 'auto' */
  prober: 'auto' as Prober,
  /** @default 3 */
  downAfter: 3,
  /** @default 2 */
  upAfter: 2,
  /** @default 20 */
  window: 20,
  /** @default '10s' */
  hookTimeout: '10s',
} as const;

/** Where `ping` is looked for unless `--ping-dir` names a directory (docs/bad-input.md). */
export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The environment variable prefix: `PING_DAEMON_LOG_FILE` sets `--log-file`. */
export const ENV_PREFIX = 'PING_DAEMON';

/** How ping sends (docs/statistics.md), global or per host. */
const probeKeys = ['family', 'size', 'ttl', 'tos', 'source'] as const;
export const families = ['auto', '4', '6'] as const;

/** The host-state and notification options (docs/alerts.md), global or per host. */
const alertKeys = [
  'downAfter',
  'upAfter',
  'window',
  'degradedRtt',
  'degradedLoss',
  'remindEvery',
  'onChange',
  'webhook',
  'alertmanager',
  'hookTimeout',
] as const;

/** Option names as config-file keys (camelCase), in the order `--help` lists them. */
export const optionKeys = [
  'host',
  'hosts',
  'interval',
  'timeout',
  'count',
  'logFile',
  'format',
  'pidFile',
  'serviceLog',
  'logLevel',
  'umask',
  'user',
  'group',
  'pingDir',
  'prober',
  'maxInflight',
  'metricsListen',
  'vantage',
  'historyDir',
  ...probeKeys,
  ...alertKeys,
] as const;

/** The options a `hosts` entry of the config file may carry for its host. */
export const hostEntryKeys = [
  'interval',
  'timeout',
  'count',
  ...probeKeys,
  ...alertKeys,
] as const satisfies readonly OptionKey[];
export type HostEntryKey = (typeof hostEntryKeys)[number];
export type OptionKey = (typeof optionKeys)[number];

/** `logFile` → `--log-file`, for messages. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** `log-file` → `logFile`: a flag's config key. */
export function keyName(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** `logFile` → `PING_DAEMON_LOG_FILE`, for messages. */
export function envName(key: string): string {
  return `${ENV_PREFIX}_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Whose defaults: the user, and (for tests) a home other than the password database's. */
export interface Place {
  uid: number;
  home?: string;
}

/** Root's PID file, the same for the CLI and both systemd units (their RuntimeDirectory). */
export const ROOT_PID_FILE = '/run/ping-daemon/ping-daemon.pid';
const PID_FILE_NAME = 'ping-daemon.pid';
/** Other users' PID file directory, below their home. */
const USER_STATE_DIR = '.local/state/ping-daemon';
const ROOT_SERVICE_LOG = '/var/log/ping-daemon.log';

/**
 * The PID file: root `/run/ping-daemon/ping-daemon.pid`; others
 * `~/.local/state/ping-daemon/ping-daemon.pid`, with the home directory from the password
 * database. One place per user whatever the shell's environment: `XDG_RUNTIME_DIR` or `HOME`
 * differ between a login, `su`, `sudo -u` and cron, and a `stop` that looked elsewhere said "not
 * running" of a running daemon. (Not `/run/user/UID` either: logind removes it, PID file and all,
 * when the user's last session ends, while the daemon runs on.)
 */
export function defaultPidFile({ uid, home }: Place): string {
  if (uid === 0) return ROOT_PID_FILE;
  return join(home ?? passwdHome(), USER_STATE_DIR, PID_FILE_NAME);
}

/** The user's home directory from the password database (os.homedir() prefers $HOME). */
function passwdHome(): string {
  try {
    return userInfo().homedir;
  } catch {
    return homedir(); // no entry for this uid (a container's): $HOME is all there is
  }
}

/** History lives beside the ping log: `/home/ping.log` → `/home/ping-history`. */
export function defaultHistoryDir(logFile: string): string {
  return join(dirname(logFile), `${basename(logFile).replace(/\.log$/, '')}-history`);
}

/** `--history-dir`: a directory, `off`, or by default beside the ping log. */
export function historyDirOf(value: unknown, logFile: string, cwd: string): string | undefined {
  if (value === 'off') return undefined;
  return typeof value === 'string' ? resolve(cwd, value) : defaultHistoryDir(logFile);
}

/**
 * A vantage name: what Prometheus, Grafana's variables and Alertmanager's routes match on, so
 * nothing that needs quoting or escaping there. 1-64 (a host name's most) of letters, digits and
 * `. _ -`, starting with a letter or digit.
 */
export const VANTAGE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * `--vantage`, or the host name: the machine's name as `hostname` prints it, made a vantage name
 * when it is not one (a name outside the rules above, or none).
 */
export function vantageOf(value: unknown, host = hostname()): string {
  if (typeof value === 'string') return value;
  if (VANTAGE.test(host)) return host;
  const made = host
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '')
    .slice(0, 64);
  return made === '' ? 'localhost' : made;
}

/** The daemon's own log: root `/var/log/ping-daemon.log`, others beside the PID file. */
export function defaultServiceLog(place: Place, pidFile: string): string {
  if (place.uid === 0) return ROOT_SERVICE_LOG;
  return join(pidFile, '..', 'ping-daemon.log');
}

const shown = (value: unknown): string => JSON.stringify(value);

/**
 * The option specs shared by `start`, `run` and `restart`, keyed by their kebab-case flag; yargs
 * adds the camelCase alias that config-file keys and the code use. yargs is given no defaults,
 * only their description: settings.ts applies DEFAULTS, so an option left unset is `undefined`
 * in argv and a command can tell "not given" from "given the default value".
 */
export function serviceOptions(): Record<string, YargsOption> {
  const specs: Record<OptionKey, YargsOption> = {
    host: {
      alias: 'H',
      type: 'string',
      array: true,
      nargs: 1,
      describe: 'host name, IPv4 or IPv6 literal to ping; repeat it (or a,b) for several',
    },
    // Config file only: a list of hosts, or of {host, interval?, timeout?, count?}.
    hosts: { hidden: true },
    interval: {
      type: 'string',
      defaultDescription: shown(DEFAULTS.interval),
      describe: 'time between ticks: 500ms, 3s, 1m, or a number of seconds',
    },
    timeout: {
      type: 'string',
      defaultDescription: `${formatDuration(DEFAULT_TIMEOUT_MS)}, or 80% of the interval when shorter`,
      describe: 'how long one probe may take before it counts as down; must be < interval',
    },
    // Numbers are read as strings and checked by us: yargs turns `abc` into NaN, and the message
    // would show `null` instead of what was typed.
    count: {
      type: 'string',
      defaultDescription: shown(DEFAULTS.count),
      describe: 'echo requests per probe',
    },
    logFile: {
      type: 'string',
      defaultDescription: shown(DEFAULTS.logFile),
      describe: 'the ping log',
    },
    // Allowed values are checked by settings.ts (one line, naming the value), not yargs' choices.
    format: {
      type: 'string',
      defaultDescription: shown(DEFAULTS.format),
      describe: `ping log format: ${formats.join(', ')}`,
    },
    pidFile: {
      type: 'string',
      defaultDescription: `root: ${ROOT_PID_FILE}; others: ~/${USER_STATE_DIR}/${PID_FILE_NAME}`,
      describe: 'PID file',
    },
    serviceLog: {
      type: 'string',
      defaultDescription: `daemon: ${ROOT_SERVICE_LOG} (root) or beside the PID file; run: stderr`,
      describe: "the daemon's own JSON log",
    },
    logLevel: {
      type: 'string',
      defaultDescription: shown(DEFAULTS.logLevel),
      describe: `service log level: ${logLevels.join(', ')}`,
    },
    umask: {
      type: 'string',
      defaultDescription: shown(DEFAULTS.umask),
      describe: 'octal file creation mask; 0 reproduces the tutorial',
    },
    user: { type: 'string', describe: 'drop privileges to this user after opening files' },
    group: { type: 'string', describe: 'drop privileges to this group after opening files' },
    pingDir: {
      type: 'string',
      defaultDescription: SYSTEM_PATH,
      describe: 'directory holding the ping (or fping) executable to run',
    },
    prober: {
      type: 'string',
      defaultDescription: shown(DEFAULTS.prober),
      describe: `how hosts are probed: ${probers.join(', ')} (auto: one ping per tick for fewer than ${AUTO_FPING_FROM} hosts, long-lived fping loops from ${AUTO_FPING_FROM} when fping is installed)`,
    },
    maxInflight: {
      type: 'string',
      defaultDescription: shown(DEFAULTS.maxInflight),
      describe: 'the most ping processes at once, all hosts together',
    },
    metricsListen: {
      type: 'string',
      describe: 'serve Prometheus /metrics and /healthz on ADDRESS:PORT (off by default)',
    },
    vantage: {
      type: 'string',
      defaultDescription: "the machine's host name",
      describe:
        'where this daemon probes from: a label on every metric, alert and JSON log line (docs/fleets.md)',
    },
    historyDir: {
      type: 'string',
      defaultDescription: 'beside the ping log: NAME-history/ for NAME.log',
      describe:
        'keep consolidated history here (rrdtool files, about 2.3 MB per host); "off": none',
    },
    family: {
      type: 'string',
      defaultDescription: '"auto"',
      describe: `address family: ${families.join(', ')} (ping -4 / -6)`,
    },
    size: {
      type: 'string',
      describe: 'payload bytes of each echo request, 0-65507 (ping -s; ping: 56)',
    },
    ttl: { type: 'string', describe: 'IP time to live, 1-255 (ping -t)' },
    tos: { type: 'string', describe: 'IP TOS byte (DSCP << 2), 0-255 or 0x00-0xff (ping -Q)' },
    source: { type: 'string', describe: 'source address or interface name (ping -I)' },
    downAfter: {
      type: 'string',
      defaultDescription: shown(DEFAULTS.downAfter),
      describe: 'failed probes in a row that make a host down',
    },
    upAfter: {
      type: 'string',
      defaultDescription: shown(DEFAULTS.upAfter),
      describe: 'probes with a reply in a row that bring it back up',
    },
    window: {
      type: 'string',
      defaultDescription: shown(DEFAULTS.window),
      describe: 'how many of the last probes --degraded-rtt and --degraded-loss look at',
    },
    degradedRtt: {
      type: 'string',
      describe: 'degraded when the median RTT over the window is at least this, e.g. 200ms',
    },
    degradedLoss: {
      type: 'string',
      describe: 'degraded when the loss over the window is at least this percentage, e.g. 20',
    },
    remindEvery: {
      type: 'string',
      describe: 'while a host is down or degraded, notify again this often, e.g. 1h',
    },
    onChange: {
      type: 'string',
      describe:
        'program run (no shell) at every state change, the event in PING_DAEMON_* and on stdin',
    },
    webhook: {
      type: 'string',
      array: true,
      nargs: 1,
      describe: 'http(s) URL that gets a JSON POST at every state change; repeat it for several',
    },
    alertmanager: {
      type: 'string',
      array: true,
      nargs: 1,
      describe:
        "Alertmanager's http(s) URL: hosts down or degraded are firing alerts there; repeat it for several",
    },
    hookTimeout: {
      type: 'string',
      defaultDescription: shown(DEFAULTS.hookTimeout),
      describe:
        'how long --on-change may run (killed with its process group after), or one webhook or Alertmanager try',
    },
  };
  // A repeated option means its last value, as with most Unix tools; only --host adds up.
  const last = (v: unknown): unknown => (Array.isArray(v) ? v.at(-1) : v);
  return Object.fromEntries(
    optionKeys.map((key) => {
      const spec = specs[key];
      return [
        flagName(key).slice(2),
        spec.array || key === 'hosts' || key === 'onChange' ? spec : { ...spec, coerce: last },
      ];
    }),
  );
}
