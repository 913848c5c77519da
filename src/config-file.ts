// Reads and checks the JSON config file. yargs calls loadConfigFile through `.config()`, so the
// file takes its place in the precedence CLI > environment > file > defaults; every problem is
// reported with the file, the key and the value.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { ConfigError, describeErrno } from './errors.js';
import { isOptionKey, jsonTypes, optionProblem, show } from './option-checks.js';
import { optionKeys } from './options.js';

/** A config file is a handful of keys; anything larger is a mistake (or `/dev/zero`). */
export const MAX_CONFIG_BYTES = 64 * 1024;

function readSmallFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${describeErrno(err)}`, { cause: err });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ConfigError(`config file ${path} is not a regular file`);
    if (stat.size > MAX_CONFIG_BYTES) {
      throw new ConfigError(
        `config file ${path} is ${stat.size} bytes; a config file may be at most ${MAX_CONFIG_BYTES}`,
      );
    }
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.toString('utf8', 0, length);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`cannot read config file ${path}: ${describeErrno(err)}`, { cause: err });
  } finally {
    closeSync(fd);
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
      throw new ConfigError(
        `config file ${path}: unknown key ${show(key)}; known keys: ${optionKeys.join(', ')}`,
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

export function loadConfigFile(path: string): Record<string, unknown> {
  const text = readSmallFile(path);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`config file ${path} is not valid JSON: ${detail}`, { cause: err });
  }
  return checkConfig(path, data);
}
