import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { looksLikeStart } from '../../../src/command-line/commands.js';
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
});
