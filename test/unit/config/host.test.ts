import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalHost, hostProblem } from '../../../src/config/host.js';

describe('hostProblem', () => {
  const valid = [
    'www.baidu.com', // validation only: never pinged or resolved by the tests
    'localhost',
    'a.b-c.d',
    'xn--bcher-kva.test',
    'host.',
    `${'a'.repeat(63)}.test`,
    '127.0.0.1',
    '10.99.0.1',
    '::1',
    'fe80::1',
    '2001:db8::8a2e:370:7334',
    '::ffff:127.0.0.1',
    '0xdeadbeef.test',
  ];
  for (const host of valid) it(`accepts ${host}`, () => assert.equal(hostProblem(host), undefined));

  const refused = [
    '',
    '-c',
    '-oProxyCommand=x',
    '--help',
    'a b',
    'a\tb',
    'a\nb',
    'a\0b',
    'host;reboot',
    'host|cat',
    '$(id)',
    '`id`',
    'a&b',
    'a>b',
    '*.test',
    'a_b.test',
    'ex\u0430mple.test', // Cyrillic a: a look-alike
    'a..b',
    '.a',
    'a-.test',
    '-a.test',
    `${'a'.repeat(64)}.test`,
    `${'a.'.repeat(127)}ab`, // 255 characters
    '2130706433',
    '127.1',
    '0x7f.1',
    '0x7f000001',
    '1.2.3.4.5',
    '256.1.1.1',
    'fe80::1%eth0',
    ':::1',
    '1::2::3',
  ];
  for (const host of refused) {
    it(`refuses ${JSON.stringify(host)}`, () => assert.notEqual(hostProblem(host), undefined));
  }
});

describe('hostProblem for what people paste', () => {
  it('names a URL and a port, and says what to give instead', () => {
    assert.equal(
      hostProblem('http://name.test/x'),
      'is a URL; give the host alone, e.g. `name.test`',
    );
    assert.equal(
      hostProblem('127.0.0.1:80'),
      'has a port (`:80`); ping has no ports, give the host alone: `127.0.0.1`',
    );
    assert.equal(hostProblem('::1'), undefined);
  });
});

describe('canonicalHost', () => {
  it('spells a host one way', () => {
    assert.equal(canonicalHost('LocalHost.'), 'localhost');
    assert.equal(canonicalHost('0:0:0:0:0:0:0:1'), '::1');
    assert.equal(canonicalHost('127.0.0.1'), '127.0.0.1');
  });
});
