// Checks of single option values, shared by the command line, the environment and the config
// file; each names what is wrong and shows the value. Pure.
import { isIPv6 } from 'node:net';
import { probeDurationProblem } from './duration.js';
import { hostProblem } from './host.js';
import { flagName, formats, logLevels, type OptionKey, optionKeys } from './options.js';
import { countProblem, hostEntryProblem, splitHosts, toNumber } from './targets.js';

export interface ListenAddress {
  host: string;
  port: number;
}

type Check = (value: unknown) => string | undefined;

const durationCheck: Check = probeDurationProblem;
const pathCheck: Check = (v) =>
  typeof v !== 'string' || v.length === 0 || v.includes('\0') ? 'must be a file path' : undefined;
const nameCheck: Check = (v) =>
  typeof v !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/.test(v)
    ? 'must be a user or group name or a numeric id'
    : undefined;
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `must be one of ${values.join(', ')}`;

/** `127.0.0.1:9469`, `[::1]:9469`, `localhost:9469` → host and port; undefined if malformed. */
export function parseListen(value: unknown): ListenAddress | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  if (!m) return undefined;
  const host = (m[1] ?? m[2]) as string;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  if (m[1] !== undefined ? !isIPv6(host) : hostProblem(host) !== undefined) return undefined;
  return { host, port };
}

const checks: Record<OptionKey, Check> = {
  host: (v) => {
    const hosts = splitHosts(v);
    if (hosts.length === 0) return 'must be a host name or address';
    const bad = hosts.map(hostProblem).find((p) => p !== undefined);
    return bad;
  },
  hosts: (v) => {
    if (!Array.isArray(v)) return 'must be a list of hosts';
    for (const [i, entry] of v.entries()) {
      const problem = hostEntryProblem(entry);
      if (problem) return `entry ${i + 1} (${show(entry)}) ${problem}`;
    }
    return undefined;
  },
  interval: durationCheck,
  timeout: durationCheck,
  count: countProblem,
  maxInflight: (v) => {
    const n = toNumber(v);
    return Number.isInteger(n) && n >= 1 && n <= 10_000
      ? undefined
      : 'must be a whole number from 1 to 10000';
  },
  metricsListen: (v) =>
    parseListen(v) === undefined
      ? 'must be ADDRESS:PORT like `127.0.0.1:9469` or `[::1]:9469`'
      : undefined,
  logFile: pathCheck,
  format: oneOf(formats),
  pidFile: pathCheck,
  serviceLog: pathCheck,
  logLevel: oneOf(logLevels),
  umask: (v) =>
    typeof v === 'string' && /^[0-7]{1,4}$/.test(v)
      ? undefined
      : 'must be an octal mask like `022` (a string in a config file)',
  user: nameCheck,
  group: nameCheck,
  pingDir: pathCheck,
};

/** JSON types a config file may use for each key. */
export const jsonTypes: Record<OptionKey, readonly string[]> = {
  host: ['string'],
  hosts: ['array'],
  maxInflight: ['number'],
  metricsListen: ['string'],
  interval: ['string', 'number'],
  timeout: ['string', 'number'],
  count: ['number'],
  logFile: ['string'],
  format: ['string'],
  pidFile: ['string'],
  serviceLog: ['string'],
  logLevel: ['string'],
  umask: ['string'],
  user: ['string'],
  group: ['string'],
  pingDir: ['string'],
};

/** A value as it is shown in a message: quoted, control characters escaped, cut short. */
export function show(value: unknown): string {
  const text =
    typeof value === 'string' ? JSON.stringify(value).slice(1, -1) : JSON.stringify(value);
  const short = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return `\`${short}\``;
}

/** `--interval must be a positive duration like `3s`, got `abc``: every option's problem. */
export function problemText(name: string, problem: string, value: unknown): string {
  return `${name} ${problem}, got ${show(value)}`;
}

/** `--interval must be a positive duration like `3s`, got `abc``, or undefined when valid. */
export function optionProblem(
  key: OptionKey,
  value: unknown,
  name = flagName(key),
): string | undefined {
  if (key === 'host' && splitHosts(value).length === 0) {
    return `${name} is empty; give a host name or address`;
  }
  // Several hosts: name the one that is wrong, not the whole list.
  if (key === 'host' && typeof value !== 'string' && Array.isArray(value)) {
    for (const host of splitHosts(value)) {
      const problem = optionProblem(key, host, name);
      if (problem) return problem;
    }
  }
  const problem = checks[key](value);
  return problem === undefined ? undefined : problemText(name, problem, value);
}

export function isOptionKey(key: string): key is OptionKey {
  return (optionKeys as readonly string[]).includes(key);
}
