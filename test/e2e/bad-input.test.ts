// docs/bad-input.md: every bad input gets one clear line and exit 1 or 2 before anything runs, and
// nothing already in the log is touched.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cliDone, fileArgs, isRoot, tempDir } from '../helpers/cli.js';

const NOBODY = 65534;

interface Case {
  name: string;
  args: (dir: string) => string[];
  env?: Record<string, string>;
  code: 1 | 2;
  message: RegExp;
}

const cases: Case[] = [
  {
    name: 'a host starting with -',
    args: () => ['--host=-oProxy'],
    code: 2,
    message: /--host starts with `-` and would be read by ping as an option, got `-oProxy`/,
  },
  {
    name: 'a host with a space',
    args: () => ['--host', 'a b'],
    code: 2,
    message: /--host contains a space or control character/,
  },
  {
    name: 'a host with shell characters',
    args: () => ['--host', 'h;reboot'],
    code: 2,
    message: /--host contains characters not allowed in a host name/,
  },
  {
    name: 'a host with a newline',
    args: () => ['--host', 'a\nb'],
    code: 2,
    message: /--host contains a space or control character, got `a\\nb`/,
  },
  { name: 'no host at all', args: () => [], code: 2, message: /no host to ping: give --host HOST/ },
  {
    name: 'an empty host',
    args: () => ['--host', ''],
    code: 2,
    message: /^ping-daemon: --host is empty; give a host name or address\n$/,
  },
  {
    name: 'a URL as the host',
    args: () => ['--host', 'http://name.test'],
    code: 2,
    message: /--host is a URL; give the host alone, e.g. `name.test`, got `http:\/\/name.test`/,
  },
  {
    name: 'a count that is no number',
    args: () => ['--host', '127.0.0.1', '--count', 'abc'],
    code: 2,
    message: /--count must be a whole number from 1 to 100, got `abc`\n$/,
  },
  {
    name: 'a bad interval',
    args: () => ['--host', '127.0.0.1', '--interval', 'abc'],
    code: 2,
    message: /--interval must be a positive duration like `3s` or `500ms`, got `abc`/,
  },
  {
    name: 'a zero interval',
    args: () => ['--host', '127.0.0.1', '--interval', '0'],
    code: 2,
    message: /--interval must be a positive duration/,
  },
  {
    name: 'a timeout not below the interval',
    args: () => ['--host', '127.0.0.1', '--interval', '1s', '--timeout', '2s'],
    code: 2,
    message: /--timeout \(2s\) must be shorter than --interval \(1s\)/,
  },
  {
    name: 'a bad count',
    args: () => ['--host', '127.0.0.1', '--count', 'many'],
    code: 2,
    message: /--count must be a whole number from 1 to 100/,
  },
  {
    name: 'a bad format',
    args: () => ['--host', '127.0.0.1', '--format', 'xml'],
    code: 2,
    message: /format/,
  },
  {
    name: 'an unknown option',
    args: () => ['--host', '127.0.0.1', '--colour'],
    code: 2,
    message: /Unknown argument: colour; see 'ping-daemon --help'/,
  },
  {
    name: 'a bad environment variable',
    args: () => [],
    env: { PING_DAEMON_INTERVAL: 'soon' },
    code: 2,
    message: /PING_DAEMON_INTERVAL must be a positive duration/,
  },
  {
    name: 'a config file that does not exist',
    args: (d) => ['-c', join(d, 'nope.json')],
    code: 1,
    message: /cannot read config file .*nope.json: no such file or directory/,
  },
  {
    name: 'a config file that is not JSON',
    args: (d) => ['-c', write(d, 'bad.json', '{host')],
    code: 1,
    message: /config file .*bad.json is not valid JSON/,
  },
  {
    name: 'a config file with an unknown key',
    args: (d) => ['-c', write(d, 'k.json', '{"hostname":"x"}')],
    code: 1,
    message: /config file .*k.json: unknown key `hostname`/,
  },
  {
    name: 'a config file with a wrong type',
    args: (d) => ['-c', write(d, 't.json', '{"count":"3"}')],
    code: 1,
    message: /config file .*t.json: count must be a JSON number, got string `3`/,
  },
  {
    name: 'a config file with a bad value',
    args: (d) => ['-c', write(d, 'v.json', '{"host":"-x"}')],
    code: 1,
    message: /config file .*v.json: host starts with `-`/,
  },
  {
    name: 'no ping in --ping-dir',
    args: (d) => ['--host', '127.0.0.1', '--ping-dir', d],
    code: 1,
    message: /ping not found in .* \(--ping-dir\)/,
  },
  {
    name: 'a log file in a missing directory',
    args: (d) => ['--host', '127.0.0.1', '--log-file', join(d, 'no', 'ping.log')],
    code: 1,
    message:
      /cannot write .*no\/ping.log: no such file or directory; choose another path with --log-file/,
  },
];

function write(dir: string, name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

describe('bad input', () => {
  for (const c of cases) {
    for (const command of ['run', 'start']) {
      it(`${command}: refuses ${c.name}`, async () => {
        const dir = tempDir();
        const log = join(dir, 'ping.log');
        writeFileSync(log, 'old line\n');
        const pid = join(dir, 'd.pid');
        const args = [command, ...fileArgs({ log, pid }), ...c.args(dir)];
        // The log-file case names its own --log-file last; yargs takes the last one.
        const r = await cliDone(args, { env: c.env });
        assert.equal(r.code, c.code, r.stderr);
        assert.match(r.stderr, c.message);
        assert.match(r.stderr, /^ping-daemon: [^\n]+\n$/, 'exactly one line');
        assert.equal(r.stdout, '');
        assert.equal(readFileSync(log, 'utf8'), 'old line\n', 'the log is untouched');
        assert.ok(!existsSync(pid), 'no PID file');
      });
    }
  }

  it('refuses an unwritable log with the hint --log-file', async () => {
    const dir = tempDir();
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    chmodSync(dir, 0o755);
    // As root every directory is writable, so the CLI runs as nobody there.
    if (isRoot) chownSync(dir, NOBODY, NOBODY);
    const r = await cliDone(
      [
        'run',
        '--host',
        '127.0.0.1',
        ...fileArgs({ log: join(locked, 'ping.log'), pid: join(dir, 'd.pid') }),
      ],
      isRoot ? { uid: NOBODY, gid: NOBODY } : {},
    );
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `ping-daemon: cannot write ${join(locked, 'ping.log')}: permission denied; choose another path with --log-file\n`,
    );
  });

  it('prints help with the commands, defaults and examples', async () => {
    const r = await cliDone(['--help']);
    assert.equal(r.code, 0);
    for (const text of [
      'run',
      '--interval',
      '[default: "3s"]',
      '/home/ping.log',
      'PING_DAEMON_',
      'Examples:',
    ]) {
      assert.ok(r.stdout.includes(text), text);
    }
  });
});

describe('each command takes its own options', () => {
  it("stop refuses the daemon's options, and its help shows only its own", async () => {
    const r = await cliDone([
      'stop',
      '--interval',
      '5s',
      '--count',
      '9',
      '--pid-file',
      '/nonexistent/x.pid',
    ]);
    assert.deepEqual(
      [r.code, r.stderr],
      [2, "ping-daemon: stop does not take --interval; see 'ping-daemon stop --help'\n"],
    );
    const help = await cliDone(['stop', '--help']);
    assert.match(
      help.stdout,
      /^ping-daemon stop \[--pid-file FILE\] \[--timeout 10s\] \[--force\]\n/,
    );
    assert.match(
      help.stdout,
      /--pid-file .*\[default: root: \/run\/ping-daemon\/ping-daemon\.pid; others:/s,
    );
    for (const foreign of ['--interval', '--count', '--host', '80% of the interval']) {
      assert.ok(!help.stdout.includes(foreign), foreign);
    }
  });

  it('a config file or environment meant for the daemon does not trouble status', async () => {
    const dir = tempDir();
    const config = join(dir, 'c.json');
    writeFileSync(
      config,
      JSON.stringify({ host: '127.0.0.1', interval: '5s', pidFile: join(dir, 'd.pid') }),
    );
    const r = await cliDone(['status', '-c', config], { env: { PING_DAEMON_COUNT: '3' } });
    assert.deepEqual(
      [r.code, r.stdout],
      [3, `ping-daemon is not running (no PID file ${join(dir, 'd.pid')})\n`],
    );
  });

  it('suggests the nearest command or option', async () => {
    const stat = await cliDone(['stat']);
    assert.equal(
      stat.stderr,
      "ping-daemon: Unknown argument: stat (did you mean status?); see 'ping-daemon --help'\n",
    );
    const hots = await cliDone(['run', '--hots', 'x']);
    assert.equal(
      hots.stderr,
      "ping-daemon: Unknown argument: hots (did you mean --host?); see 'ping-daemon --help'\n",
    );
  });

  it('completes option names without bogus long forms of short flags, and --format values', async () => {
    const names = await cliDone(['--get-yargs-completions', 'ping-daemon', 'logs', '-']);
    const words = names.stdout.split('\n');
    for (const bogus of ['--H', '--n', '--f']) assert.ok(!words.includes(bogus), bogus);
    assert.ok(words.includes('--lines') && words.includes('--follow'));
    const formats = await cliDone([
      '--get-yargs-completions',
      'ping-daemon',
      'run',
      '--format',
      '',
    ]);
    assert.deepEqual(formats.stdout.split('\n').filter(Boolean), ['text', 'classic', 'json']);
  });
});
