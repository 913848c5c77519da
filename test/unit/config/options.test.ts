import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { checkConfig } from '../../../src/config/config-file.js';
import { DEFAULTS, envName, flagName, keyName, optionKeys } from '../../../src/config/options.js';

const path = new URL('../../../config/ping-daemon.json', import.meta.url);
const shipped = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe('config/ping-daemon.json', () => {
  it('is a valid config file', () => {
    checkConfig(path.pathname, shipped);
  });
  it('writes every built-in default as it is', () => {
    for (const [key, value] of Object.entries(DEFAULTS)) assert.equal(shipped[key], value, key);
  });
  it('holds the defaults, the host and the metrics address, nothing else', () => {
    assert.deepEqual(
      Object.keys(shipped).sort(),
      [...Object.keys(DEFAULTS), 'host', 'metricsListen'].sort(),
    );
  });
});

describe("the README's example config", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const block = /## Example config[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
  it('is a valid config file that sets every key', () => {
    assert.ok(block, 'no JSON block under "## Example config"');
    const example = JSON.parse(block) as Record<string, unknown>;
    checkConfig('README.md', example);
    assert.deepEqual(Object.keys(example).sort(), [...optionKeys].sort());
  });
});

describe('names', () => {
  it('spells flags and variables from config keys', () => {
    assert.equal(flagName('logFile'), '--log-file');
    assert.equal(keyName('log-file'), 'logFile');
    assert.equal(keyName('hook-timeout'), 'hookTimeout');
    assert.equal(envName('logFile'), 'PING_DAEMON_LOG_FILE');
    assert.equal(envName('host'), 'PING_DAEMON_HOST');
  });
});
