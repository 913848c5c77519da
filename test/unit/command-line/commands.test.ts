import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { looksLikeStart } from '../../../src/command-line/commands.js';
import { AUTO_FPING_FROM } from '../../../src/config/prober.js';
import { probableProber } from '../../../src/lifecycle/prelaunch.js';

describe('looksLikeStart', () => {
  it('guesses a start from `start` or from options alone', () => {
    for (const args of [
      ['start', '--host', 'h'],
      ['--host', 'h'],
      ['-c', '/etc/ping-daemon/config.json'],
      ['start'],
    ]) {
      assert.equal(looksLikeStart(args), true, args.join(' '));
    }
  });

  it('not for another command, help, the version, completion, or nothing', () => {
    for (const args of [
      [],
      ['status'],
      ['--pid-file', '/x', 'stop'],
      ['start', '--help'],
      ['-h'],
      ['--version'],
      ['--get-yargs-completions', 'st'],
      ['logs', '-f'],
      ['start', 'status'],
      ['h.example'],
    ]) {
      assert.equal(looksLikeStart(args), false, args.join(' '));
    }
  });
});

describe('probableProber', () => {
  it('reads --prober from the command line, then the environment, else ping', () => {
    assert.equal(probableProber(['--prober', 'fping'], {}), 'fping');
    assert.equal(probableProber(['--prober=fping'], {}), 'fping');
    assert.equal(probableProber([], { PING_DAEMON_PROBER: 'fping' }), 'fping');
    assert.equal(probableProber(['--prober', 'ping'], { PING_DAEMON_PROBER: 'fping' }), 'ping');
    assert.equal(probableProber(['--prober', 'nonsense'], {}), 'ping');
    assert.equal(probableProber([], {}), 'ping');
  });

  it('for auto, counts the hosts of --host and asks for fping where the daemon would look', () => {
    const many = Array.from({ length: AUTO_FPING_FROM }, (_, i) => `127.0.0.${i + 1}`).join(',');
    const asked: (string | undefined)[] = [];
    const there = (dir: string | undefined) => {
      asked.push(dir);
      return true;
    };
    assert.equal(probableProber(['--host', '127.0.0.1'], {}, there), 'ping');
    assert.equal(probableProber(['--host', many], {}, there), 'fping');
    assert.equal(probableProber([`--host=${many}`, '--ping-dir=/opt/p'], {}, there), 'fping');
    assert.equal(
      probableProber(['--host', many], {}, () => false),
      'ping',
    );
    assert.equal(probableProber([], { PING_DAEMON_HOST: many }, there), 'fping');
    assert.equal(probableProber(['--host', many, '--prober', 'ping'], {}, there), 'ping');
    assert.deepEqual(asked, [undefined, '/opt/p', undefined]);
  });
});
