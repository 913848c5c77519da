// Reads and checks the JSON config file. yargs calls loadConfigFile through `.config()`, so the
// file takes its place in the precedence CLI > environment > file > defaults; every problem is
// reported with the file, the key and the value.
import { statSync } from 'node:fs';
import { ConfigError, describeErrno } from '../errors.js';
import { readSmallFile } from '../ping-log/files.js';
import { closest } from './closest.js';
import { isOptionKey, jsonTypes, optionProblem, show } from './option-checks.js';
import { optionKeys } from './options.js';

/**
 * A config file is a handful of keys and a list of hosts: 4 MiB holds tens of thousands of
 * them; anything larger is a mistake (or `/dev/zero`).
 */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

function readConfigText(path: string): string {
  try {
    return readSmallFile(path, MAX_CONFIG_BYTES);
  } catch (err) {
    const { code } = err as NodeJS.ErrnoException;
    if (code === 'ENOTREG' || code === 'EISDIR') {
      throw new ConfigError(`config file ${path} is not a regular file`, { cause: err });
    }
    if (code === 'EFBIG') {
      const size = fileSize(path);
      throw new ConfigError(
        `config file ${path} is ${size ?? 'more than'} bytes; a config file may be at most ${MAX_CONFIG_BYTES}`,
        { cause: err },
      );
    }
    throw new ConfigError(`cannot read config file ${path}: ${describeErrno(err)}`, {
      cause: err,
    });
  }
}

function fileSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

/** Validates parsed JSON as a config object; returns it with a null prototype. */
export function checkConfig(path: string, data: unknown): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(
      `config file ${path} must hold a JSON object like {"host": "example.org"}`,
    );
  }
  const config: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(data)) {
    if (!isOptionKey(key)) {
      const near = closest(key, optionKeys);
      throw new ConfigError(
        near === undefined
          ? `config file ${path}: unknown key ${show(key)}; known keys: ${optionKeys.join(', ')}`
          : `config file ${path}: unknown key ${show(key)} (did you mean ${show(near)}?)`,
      );
    }
    const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    const allowed = jsonTypes[key];
    if (!allowed.includes(type)) {
      // Objects and arrays are named, not shown: they may be huge or nested deeper than the stack.
      const shown = typeof value === 'object' && value !== null ? '' : ` ${show(value)}`;
      throw new ConfigError(
        `config file ${path}: ${key} must be a JSON ${allowed.join(' or ')}, got ${type}${shown}`,
      );
    }
    const problem = optionProblem(key, value, key);
    if (problem) throw new ConfigError(`config file ${path}: ${problem}`);
    config[key] = value;
  }
  return config;
}

/**
 * V8's JSON error as one line a person can act on: `line L, column C: what was expected`,
 * instead of a byte position (and, in newer V8, a second line quoting the text).
 */
export function jsonProblem(text: string, err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  const at = /at position (\d+)/.exec(message);
  const what = message
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/\s*in JSON at position \d+/, '')
    .replace(/^Unexpected end of JSON input$/, 'the file ends too soon');
  if (!at) return what;
  const before = text.slice(0, Number(at[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `line ${line}, column ${column}: ${what}`;
}

export function loadConfigFile(path: string): Record<string, unknown> {
  const text = readConfigText(path);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${jsonProblem(text, err)}`, {
      cause: err,
    });
  }
  return checkConfig(path, data);
}
