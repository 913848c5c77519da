import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jsonProblem, loadConfigFile, MAX_CONFIG_BYTES } from '../../../src/config/config-file.js';
import { jsonTypes } from '../../../src/config/option-checks.js';
import { optionKeys } from '../../../src/config/options.js';
import { ConfigError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'pd-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function refuses(path: string, message: RegExp): void {
  assert.throws(
    () => loadConfigFile(path),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.message, message);
      assert.equal(err.exitCode, 1);
      assert.ok(!err.message.includes('\n'), err.message);
      return true;
    },
  );
}

describe('loadConfigFile', () => {
  it('reads a good file', () => {
    const path = file(
      'good.json',
      '{"host": "127.0.0.1", "interval": 0.5, "count": 2, "umask": "027"}',
    );
    assert.deepEqual(
      { ...loadConfigFile(path) },
      { host: '127.0.0.1', interval: 0.5, count: 2, umask: '027' },
    );
  });
  it('names a missing file', () =>
    refuses(
      join(dir, 'nope.json'),
      /cannot read config file .*nope.json: no such file or directory/,
    ));
  it('names an unreadable file', {
    skip: process.getuid?.() === 0 && 'root reads any file',
  }, () => {
    const path = file('secret.json', '{}');
    chmodSync(path, 0);
    refuses(path, /cannot read config file .*: permission denied/);
  });
  it('refuses a directory', () => refuses(dir, /is not a regular file/));
  it('refuses a symlink to /dev/zero without reading it', () => {
    const path = join(dir, 'zero.json');
    symlinkSync('/dev/zero', path);
    refuses(path, /is not a regular file/);
  });
  it('refuses a huge file', () => {
    refuses(
      file('huge.json', `{"host": "${'a'.repeat(MAX_CONFIG_BYTES)}"}`),
      /bytes; a config file may be at most/,
    );
  });
  it('refuses what is not JSON', () =>
    refuses(file('bad.json', '{host: 1'), /is not valid JSON: /));
  it('refuses a JSON array', () => refuses(file('array.json', '[]'), /must hold a JSON object/));
  it('names an unknown key, and the one meant when it is near one', () => {
    refuses(file('typo.json', '{"hots": "x"}'), /unknown key `hots` \(did you mean `host`\?\)$/);
    refuses(
      file('typo2.json', '{"log_file": "x"}'),
      /unknown key `log_file` \(did you mean `logFile`\?\)$/,
    );
    refuses(
      file('unknown.json', '{"colour": "x"}'),
      /unknown key `colour`; known keys: host, hosts, interval/,
    );
  });
  it('refuses prototype keys', () => {
    refuses(file('proto.json', '{"__proto__": {"host": "x"}}'), /unknown key `__proto__`/);
    refuses(file('ctor.json', '{"constructor": {}}'), /unknown key `constructor`/);
  });
  it('refuses nesting', () =>
    refuses(
      file('nested.json', '{"host": {"name": "x"}}'),
      /host must be a JSON string, got object/,
    ));
  it('refuses deep nesting', () => {
    refuses(
      file('deep.json', `{"host": ${'['.repeat(5000)}${']'.repeat(5000)}}`),
      /host must be a JSON string, got array/,
    );
  });
  const wrong: [string, RegExp][] = [
    ['{"host": 1}', /host must be a JSON string, got number `1`/],
    ['{"interval": true}', /interval must be a JSON string or number, got boolean `true`/],
    [
      '{"interval": "soon"}',
      /: interval must be a positive duration like `3s` or `500ms`, got `soon`/,
    ],
    ['{"timeout": null}', /timeout must be a JSON string or number, got null/],
    ['{"count": "2"}', /count must be a JSON number, got string `2`/],
    ['{"count": 0}', /count must be a whole number from 1 to 100, got `0`/],
    ['{"logFile": ["a"]}', /logFile must be a JSON string, got array/],
    ['{"format": "xml"}', /format must be one of text, classic, json, got `xml`/],
    ['{"umask": 18}', /umask must be a JSON string, got number `18`/],
    ['{"umask": "8"}', /umask must be an octal mask/],
    ['{"logLevel": "loud"}', /logLevel must be one of fatal, error/],
    ['{"host": "-oX"}', /host starts with `-`/],
    ['{"pingDir": ""}', /pingDir must be a file path/],
    ['{"hosts": ["-x"]}', /hosts entry 1 \(`-x`\) host starts with `-`/],
    [
      '{"hosts": [{"host": "a.test", "every": "1s"}]}',
      /hosts entry 1 .* has an unknown key `every`/,
    ],
    ['{"hosts": [{"interval": "1s"}]}', /hosts entry 1 .* needs "host", a string/],
    [
      '{"hosts": [{"host": "a.test", "interval": "soon"}]}',
      /hosts entry 1 .* interval must be a positive duration/,
    ],
    ['{"hosts": [{"host": "a.test", "count": "2"}]}', /hosts entry 1 .* count must be a number/],
    ['{"hosts": [7]}', /hosts entry 1 \(`7`\) must be a host or an object/],
    ['{"metricsListen": "9469"}', /metricsListen must be ADDRESS:PORT/],
    ['{"metricsListen": "[::1]:99999"}', /metricsListen must be ADDRESS:PORT/],
    ['{"maxInflight": 0}', /maxInflight must be a whole number from 1 to 10000/],
    ['{"downAfter": 0}', /downAfter must be a whole number from 1 to 100, got `0`/],
    ['{"window": 1001}', /window must be a whole number from 1 to 1000/],
    ['{"degradedLoss": 120}', /degradedLoss must be a percentage above 0, at most 100, got `120`/],
    ['{"degradedRtt": "fast"}', /degradedRtt must be a positive duration/],
    [
      '{"onChange": []}',
      /onChange must be the path of a program, or in a config file \[path, arg, \.\.\.\]/,
    ],
    ['{"onChange": ["/bin/x", 3]}', /onChange must be the path of a program/],
    ['{"webhook": "ftp://h.test/x"}', /webhook must be an http:\/\/ or https:\/\/ URL, not ftp:/],
    ['{"webhook": []}', /webhook must be an http:\/\/ or https:\/\/ URL/],
    [
      '{"hosts": [{"host": "a.test", "downAfter": "3"}]}',
      /hosts entry 1 .* downAfter must be a number/,
    ],
    [
      '{"hosts": [{"host": "a.test", "webhook": "gopher://x"}]}',
      /hosts entry 1 .* webhook must be an http:\/\/ or https:\/\/ URL, not gopher:/,
    ],
  ];
  for (const key of optionKeys) {
    const values =
      key === 'hosts'
        ? [{}, 'a.test', true, null]
        : jsonTypes[key].includes('array')
          ? [{}, true, null]
          : [{}, [], true, null];
    for (const value of values) {
      it(`refuses ${key}: ${JSON.stringify(value)}`, () => {
        refuses(
          file(`every-${key}.json`, JSON.stringify({ [key]: value })),
          new RegExp(`: ${key} must be a JSON `),
        );
      });
    }
  }
  wrong.forEach(([text, message], i) => {
    it(`names the key and value in ${text}`, () => refuses(file(`wrong${i}.json`, text), message));
  });
});

describe('jsonProblem', () => {
  it('says line and column, in one line', () => {
    const text = '{\n  "host": "a",\n  x\n}';
    let err: unknown;
    try {
      JSON.parse(text);
    } catch (e) {
      err = e;
    }
    const problem = jsonProblem(text, err);
    assert.match(problem, /^line 3, column 3: /);
    assert.ok(!problem.includes('\n') && !problem.includes('position'));
  });
});
