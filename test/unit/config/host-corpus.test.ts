// A generated corpus of hostile hosts (well over 200): every one is refused, and no host, valid
// or not, can reach ping as an option, because the arguments always end `-- HOST`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostProblem } from '../../../src/config/host.js';
import { pingArguments } from '../../../src/probing/probe.js';

const base = 'host.test';
const hostile: string[] = [];
// Leading dashes: anything ping could read as an option.
for (const option of [
  '-',
  '--',
  '-c',
  '-c1',
  '-w',
  '-W0',
  '-f',
  '-i0',
  '-I',
  '-Ieth0',
  '-oProxyCommand=sh',
  '--help',
  '-6',
  '-s65507',
  '-p',
  '-R',
  '-',
  '-b',
]) {
  hostile.push(option, `${option}${base}`, `${option} ${base}`);
}
// Control characters, spaces and DEL at the start, the middle and the end.
for (const c of [
  '\0',
  '\n',
  '\r',
  '\t',
  ' ',
  '\x7f',
  '\x1b',
  '\x08',
  '\v',
  '\f',
  '\u0085',
  '\u00a0',
  '\u2028',
]) {
  hostile.push(`${c}${base}`, `host${c}.test`, `${base}${c}`);
}
// Shell and other metacharacters.
for (const c of ';|&$`()<>*?[]{}!\\\'"#~%^=,+@/_:') {
  hostile.push(`a${c}b.test`, `${c}${base}`, `${base}${c}`);
}
// Look-alikes and invisible characters.
for (const c of [
  '\u0430',
  '\u0435',
  '\u043e',
  '\u03bf',
  '\uff41',
  '\u200b',
  '\u200d',
  '\u202e',
  '\ufeff',
  '\u0131',
  '\u1d00',
]) {
  hostile.push(`ex${c}mple.test`);
}
// Over-long labels (> 63) and names (> 253), empty labels.
for (const n of [64, 65, 100, 255]) hostile.push(`${'a'.repeat(n)}.test`);
for (const n of [254, 255, 300, 1000])
  hostile.push(`${'a.'.repeat(Math.ceil(n / 2)).slice(0, n - 1)}b`);
hostile.push('.', '..', 'a..b', '.a', 'a.-b', 'a-.b', '-a.b');
// Numeric forms that are not dotted quads: refused rather than guessed at.
hostile.push(
  '2130706433',
  '0x7f000001',
  '0x7f.1',
  '127.1',
  '127.0.1',
  '0177.0.0.1',
  '017700000001',
  '1.2.3.4.5',
  '256.0.0.1',
  '1.2.3',
  '0x7f.0x0.0x0.0x1',
  '00.0.0.0',
);
// IPv6 with zone ids, and malformed IPv6.
hostile.push(
  'fe80::1%eth0',
  'fe80::1%1',
  '::1%lo',
  'fe80::1%25eth0',
  ':::1',
  '1::2::3',
  '12345::1',
  '::g',
  '[::1]',
  '[::1]:80',
);

const valid = [
  '127.0.0.1',
  '10.99.0.1',
  '::1',
  'fe80::1',
  '::ffff:127.0.0.1',
  'localhost',
  'a.b',
  'xn--bcher-kva.test',
  'host.',
  `${'a'.repeat(63)}.test`,
  '1e3.test',
  'a-b.c-d.test',
];

describe('hostile host corpus', () => {
  it('has well over 200 cases', () => assert.ok(hostile.length > 200, String(hostile.length)));

  it('refuses every one', () => {
    const accepted = hostile.filter((h) => hostProblem(h) === undefined);
    assert.deepEqual(accepted, []);
  });

  it('accepts names and literals', () => {
    assert.deepEqual(
      valid.filter((h) => hostProblem(h) !== undefined),
      [],
    );
  });

  it('puts `--` before the host in every command line, valid or not', () => {
    for (const host of [...hostile, ...valid]) {
      const args = pingArguments({ host, count: 1, timeoutMs: 1000 });
      assert.deepEqual(args.slice(-2), ['--', host]);
      assert.equal(args.indexOf('--'), args.length - 2);
    }
  });
});
