import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closest } from '../../../src/config/closest.js';

describe('closest', () => {
  const words = ['host', 'hosts', 'interval', 'logFile', 'webhook', 'status', 'stop'];
  it('finds a typo, a swap, a prefix, another spelling of the same name', () => {
    assert.equal(closest('hots', words), 'host');
    assert.equal(closest('intreval', words), 'interval');
    assert.equal(closest('stat', words), 'status');
    assert.equal(closest('log_file', words), 'logFile');
    assert.equal(closest('--log-file', words), 'logFile');
    assert.equal(closest('webhooks', words), 'webhook');
  });
  it('suggests nothing for a word near nothing, nor for a short one far off', () => {
    assert.equal(closest('colour', words), undefined);
    assert.equal(closest('ab', words), undefined);
    assert.equal(closest('', words), undefined);
  });
});
