import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asStart, lostSecret } from '../../../src/lifecycle/started-as.js';
import { keptInvocation } from '../../../src/lifecycle/state-file.js';

describe('a daemon started as', () => {
  it('is started again as a start, whether it was start, run or bare options', () => {
    assert.deepEqual(asStart(['start', '--host', 'h']), ['start', '--host', 'h']);
    assert.deepEqual(asStart(['run', '-c', '/etc/c.json']), ['start', '-c', '/etc/c.json']);
    assert.deepEqual(asStart(['--host', 'h']), ['start', '--host', 'h']);
    assert.deepEqual(asStart([]), ['start']);
  });

  it('has lost its secret when its webhook was on its command line or in its environment', () => {
    const kept = (args: string[], env: Record<string, string> = {}) =>
      keptInvocation({ args, cwd: '/', env });
    assert.equal(lostSecret(kept(['--host', 'h', '-c', '/etc/c.json'])), false);
    assert.equal(lostSecret(kept(['--webhook', 'https://x/secret'])), true);
    assert.equal(lostSecret(kept(['--alertmanager=http://u:p@am'])), true);
    assert.equal(lostSecret(kept([], { PING_DAEMON_WEBHOOK: 'https://x' })), true);
  });
});
