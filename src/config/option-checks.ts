// Checks of single option values, shared by the command line, the environment and the config
// file; each names what is wrong and shows the value. Pure.

import { isIP, isIPv6 } from 'node:net';
import { closest } from './closest.js';
import { probeDurationProblem } from './duration.js';
import { hostProblem } from './host.js';
import {
  families,
  flagName,
  formats,
  hostEntryKeys,
  logLevels,
  type OptionKey,
  optionKeys,
  probers,
  VANTAGE,
} from './options.js';

export interface ListenAddress {
  host: string;
  port: number;
}

type Check = (value: unknown) => string | undefined;

/** The most echo requests one probe may send. */
export const MAX_COUNT = 100;

/** Number-like option values from the environment arrive as strings. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  return typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
}

/** `--host a,b --host c` (or PING_DAEMON_HOST=a,b) → [a, b, c]. */
export function splitHosts(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.flatMap((v) => String(v).split(',')).filter((h) => h !== '');
}

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

const wholeNumber =
  (min: number, max: number): Check =>
  (v) => {
    const n = toNumber(v);
    return Number.isInteger(n) && n >= min && n <= max
      ? undefined
      : `must be a whole number from ${min} to ${max}`;
  };

/** `184` or `0xb8` → 184; undefined unless a whole number from 0 to 255. */
export function parseByte(value: unknown): number | undefined {
  const text = String(value).trim();
  const n = /^0x[0-9a-f]{1,2}$/i.test(text)
    ? Number.parseInt(text, 16)
    : /^\d{1,3}$/.test(text)
      ? Number(text)
      : Number.NaN;
  return Number.isInteger(n) && n >= 0 && n <= 255 ? n : undefined;
}

/** An interface name as the kernel takes it: 1-15 characters, not starting with `-`. */
const INTERFACE = /^[A-Za-z0-9_.:][A-Za-z0-9_.:-]{0,14}$/;

/** `20`, `20%` or `2.5` → the percentage; undefined unless above 0 and at most 100. */
export function parsePercent(value: unknown): number | undefined {
  const n = typeof value === 'string' ? toNumber(value.replace(/%$/, '')) : toNumber(value);
  return n > 0 && n <= 100 ? n : undefined;
}

/** One or more http(s) URLs (--webhook, --alertmanager). */
const urlsCheck: Check = (v) => {
  const urls = splitUrls(v);
  if (urls.length === 0) return 'must be an http:// or https:// URL';
  return urls.map(webhookProblem).find((p) => p !== undefined);
};

/** A program to run: a path, or (config file) `[path, arg, ...]`; each a non-empty string. */
const programCheck: Check = (v) => {
  const parts = Array.isArray(v) ? v : [v];
  return parts.length > 0 &&
    parts.every((p) => typeof p === 'string' && p !== '' && !p.includes('\0'))
    ? undefined
    : 'must be the path of a program, or in a config file [path, arg, ...]';
};

/** Webhook URLs: http or https, nothing else. The message never shows the URL (a secret). */
export function webhookProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an http:// or https:// URL';
  }
  return url.protocol === 'http:' || url.protocol === 'https:'
    ? undefined
    : `must be an http:// or https:// URL, not ${url.protocol}`;
}

/** `https://user:secret@hooks.example/T0/B1/xyz` → `https://hooks.example/…`: for logs. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}/…`;
  } catch {
    return '(an invalid URL)';
  }
}

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
  count: wholeNumber(1, MAX_COUNT),
  maxInflight: wholeNumber(1, 10_000),
  metricsListen: (v) =>
    parseListen(v) === undefined
      ? 'must be ADDRESS:PORT like `127.0.0.1:9469` or `[::1]:9469`'
      : undefined,
  vantage: (v) =>
    typeof v === 'string' && VANTAGE.test(v)
      ? undefined
      : 'must be a name of 1-64 letters, digits, `.`, `_` or `-`, starting with a letter or digit',
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
  historyDir: pathCheck,
  prober: oneOf(probers),
  family: (v) =>
    (families as readonly unknown[]).includes(String(v))
      ? undefined
      : `must be one of ${families.join(', ')}`,
  size: wholeNumber(0, 65507),
  ttl: wholeNumber(1, 255),
  tos: (v) => (parseByte(v) === undefined ? 'must be a byte, 0-255 or 0x00-0xff' : undefined),
  source: (v) =>
    typeof v === 'string' && (isIP(v) !== 0 || INTERFACE.test(v))
      ? undefined
      : 'must be an IP address or an interface name (1-15 of A-Z a-z 0-9 _ . : -, not starting with -)',
  downAfter: wholeNumber(1, 100),
  upAfter: wholeNumber(1, 100),
  window: wholeNumber(1, 1000),
  degradedRtt: durationCheck,
  degradedLoss: (v) =>
    parsePercent(v) === undefined ? 'must be a percentage above 0, at most 100' : undefined,
  remindEvery: durationCheck,
  onChange: programCheck,
  webhook: urlsCheck,
  alertmanager: urlsCheck,
  hookTimeout: durationCheck,
};

/** `--webhook a --webhook b`, a config list, or PING_DAEMON_WEBHOOK="a b" → [a, b]. */
export function splitUrls(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.flatMap((v) => String(v).split(/\s+/)).filter((u) => u !== '');
}

/** JSON types a config file may use for each key. */
export const jsonTypes: Record<OptionKey, readonly string[]> = {
  host: ['string'],
  hosts: ['array'],
  maxInflight: ['number'],
  metricsListen: ['string'],
  vantage: ['string'],
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
  historyDir: ['string'],
  prober: ['string'],
  family: ['string', 'number'],
  size: ['number'],
  ttl: ['number'],
  tos: ['number', 'string'],
  source: ['string'],
  downAfter: ['number'],
  upAfter: ['number'],
  window: ['number'],
  degradedRtt: ['string', 'number'],
  degradedLoss: ['number', 'string'],
  remindEvery: ['string', 'number'],
  onChange: ['string', 'array'],
  webhook: ['string', 'array'],
  alertmanager: ['string', 'array'],
  hookTimeout: ['string', 'number'],
};

/** What is wrong with one `hosts` entry of a config file, or undefined. */
export function hostEntryProblem(entry: unknown): string | undefined {
  if (typeof entry === 'string') {
    const problem = hostProblem(entry);
    return problem && `host ${problem}`;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return 'must be a host or an object like {"host": "example.org", "interval": "10s"}';
  }
  const e = entry as Record<string, unknown>;
  const known: readonly string[] = ['host', ...hostEntryKeys];
  const unknown = Object.keys(e).find((k) => !known.includes(k));
  if (unknown !== undefined) {
    const near = closest(unknown, known);
    return near === undefined
      ? `has an unknown key \`${unknown}\` (known: ${known.join(', ')})`
      : `has an unknown key \`${unknown}\` (did you mean \`${near}\`?)`;
  }
  if (typeof e.host !== 'string') return 'needs "host", a string';
  const host = hostProblem(e.host);
  if (host) return `host ${host}`;
  for (const key of hostEntryKeys) {
    if (e[key] === undefined) continue;
    const types = jsonTypes[key];
    const type = Array.isArray(e[key]) ? 'array' : typeof e[key];
    if (!types.includes(type)) return `${key} must be a ${types.join(' or a ')}`;
    const problem = checks[key](e[key]);
    if (problem) return `${key} ${problem}`;
  }
  return undefined;
}

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
  if (problem === undefined) return undefined;
  // A webhook URL often holds its token: the message shows only where it points.
  const shown =
    key === 'webhook' || key === 'alertmanager' ? splitUrls(value).map(redactUrl).join(' ') : value;
  return problemText(name, problem, shown);
}

export function isOptionKey(key: string): key is OptionKey {
  return (optionKeys as readonly string[]).includes(key);
}
