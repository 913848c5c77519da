import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUTO_FPING_FROM, chooseProber } from '../../../src/config/prober.js';

describe('chooseProber', () => {
  const yes = () => true;
  const no = () => false;

  it('runs what --prober names, whatever the hosts', () => {
    assert.deepEqual(chooseProber('ping', 1000, yes), { prober: 'ping', why: '--prober ping' });
    assert.deepEqual(chooseProber('fping', 1, no), { prober: 'fping', why: '--prober fping' });
  });

  it('auto: one ping per tick below the threshold, without even asking for fping', () => {
    const asked = () => assert.fail('fping need not be looked for');
    assert.deepEqual(chooseProber('auto', 1, asked), {
      prober: 'ping',
      why: `auto: 1 host, one ping per tick below ${AUTO_FPING_FROM}`,
    });
    assert.equal(chooseProber('auto', AUTO_FPING_FROM - 1, asked).prober, 'ping');
  });

  it('auto: fping from the threshold on when it is installed, else ping, saying what to install', () => {
    assert.deepEqual(chooseProber('auto', AUTO_FPING_FROM, yes), {
      prober: 'fping',
      why: `auto: ${AUTO_FPING_FROM} hosts, fping from ${AUTO_FPING_FROM}`,
    });
    assert.deepEqual(chooseProber('auto', 1000, no), {
      prober: 'ping',
      why: 'auto: 1000 hosts, but fping is not installed (apt-get install fping)',
    });
  });
});
