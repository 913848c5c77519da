import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BINS, Tally } from '../../../src/graphs/tally.js';
import {
  BYTES_PER_HOST,
  createCommand,
  DATA_SOURCES,
  historyFileName,
  hostOfFileName,
  parseFetch,
  readRow,
  updateValues,
} from '../../../src/history/layout.js';
import { MinuteBook } from '../../../src/history/minutes.js';

describe('history files', () => {
  it('names each host by a file name that cannot leave the directory or need quoting', () => {
    for (const host of ['127.0.0.1', '::1', 'fe80::1%eth0', 'www.host.test', '.hidden', 'a b']) {
      const name = historyFileName(host);
      assert.match(name, /^[A-Za-z0-9_][A-Za-z0-9._-]*\.rrd$/, name);
      assert.equal(hostOfFileName(name), host);
    }
    assert.equal(historyFileName('::1'), '_3a_3a1.rrd');
    assert.equal(hostOfFileName('.rebuild-x'), undefined);
    assert.equal(hostOfFileName('notes.txt'), undefined);
  });

  it('is a fixed size per host, stated: four archives from a minute for 2 days to a day for 3 years', () => {
    const create = createCommand('h.rrd', 1_800_000_000);
    assert.match(create, / --step 60 /);
    for (const rra of [
      'RRA:AVERAGE:0.5:1:2880',
      'RRA:AVERAGE:0.5:5:4032',
      'RRA:AVERAGE:0.5:60:2160',
      'RRA:AVERAGE:0.5:1440:1098',
    ]) {
      assert.ok(create.includes(rra), rra);
    }
    assert.equal(DATA_SOURCES.length, 6 + 2 * BINS);
    assert.ok(BYTES_PER_HOST > 4_000_000 && BYTES_PER_HOST < 4_200_000, String(BYTES_PER_HOST));
  });

  it('writes a minute as values and reads it back', () => {
    const t = new Tally();
    t.add(7.25, 0);
    t.add(undefined, 100);
    t.add(9, 0, 0);
    const values = updateValues(t).split(':');
    assert.equal(values.length, DATA_SOURCES.length);
    assert.deepEqual(values.slice(0, 6), ['3', '1', '0', '100', '7.25', '9']);
    const [row] = parseFetch([
      `1800000060: ${values.map((v) => (v === 'U' ? '-nan' : v)).join(' ')}`,
    ]);
    assert.equal(row?.end, 1_800_000_060);
    assert.equal(row?.tally.probes, 3);
    assert.equal(row?.tally.replies, 2);
    assert.equal(row?.tally.max, 9);
    assert.equal(updateValues(new Tally()).split(':')[4], 'U', 'no reply: no min');
  });

  it('widens a consolidated row to its bins: a spike in one minute of a day still shows', () => {
    const values = Array<string>(DATA_SOURCES.length).fill('0');
    values[0] = '20';
    values[4] = '7'; // a day's mean of minute minima
    values[5] = '9'; // and of maxima: the 955 ms spike averaged away
    values[6 + 9] = '19.99'; // 7 ms
    values[6 + 16] = '0.01'; // [512, 1024) ms
    values[6 + BINS + 16] = String(0.01 * 955);
    const [row] = parseFetch([`1800086400: ${values.join(' ')}`]);
    assert.equal(row?.tally.max, 512);
    assert.equal(parseFetch(['1800000060: -nan -nan']).length, 0);
  });
});

describe('MinuteBook', () => {
  const T = 1_800_000_000_000; // a minute boundary
  it('closes each host minute once it and its grace are over, empty minutes too', () => {
    const book = new MinuteBook();
    book.observe('a', T + 1000, 5, 0);
    book.observe('a', T + 59_000, undefined, 100);
    book.observe('b', T + 30_000, 7, 0);
    assert.deepEqual(book.close(T + 62_000, 5000), [], 'still in the grace');
    book.observe('a', T + 59_500, 6, 0); // late, but before the close
    const closed = book.close(T + 65_000, 5000);
    assert.deepEqual(
      closed.map((c) => [c.host, c.end, c.tally.probes, c.tally.failed]),
      [
        ['a', 1_800_000_060, 3, 1],
        ['b', 1_800_000_060, 1, 0],
      ],
    );
    const empty = book.close(T + 125_000, 5000);
    assert.deepEqual(
      empty.map((c) => [c.host, c.end, c.tally.probes]),
      [
        ['a', 1_800_000_120, 0],
        ['b', 1_800_000_120, 0],
      ],
    );
    book.retire('b');
    assert.deepEqual(
      book.close(T + 185_000, 5000).map((c) => c.host),
      ['a'],
    );
    assert.equal(MinuteBook.nextClose(T + 65_000, 5000), T + 125_000);
  });

  it('closes the minute in progress when the clock is set back, and one a day ahead too', () => {
    const book = new MinuteBook();
    book.observe('a', T + 10_000, 5, 0);
    // An hour back: the minute of an hour ahead is closed now, not an hour from now.
    const back = book.close(T - 3_600_000 + 6000, 5000);
    assert.deepEqual(
      back.map((c) => [c.end, c.tally.probes]),
      [[1_800_000_060, 1]],
    );
    book.observe('a', T - 3_600_000 + 7000, 6, 0);
    // A day forward: the minute closes, and the next one is a day later.
    const forward = book.close(T + 86_400_000 + 6000, 5000);
    assert.deepEqual(
      forward.map((c) => [c.end, c.tally.probes]),
      [[1_800_000_000 - 3600 + 60, 1]],
    );
    assert.deepEqual(
      book.close(T + 86_400_000 + 66_000, 5000).map((c) => c.end),
      [1_800_000_000 + 86_400 + 60],
    );
  });
});

describe('reading fetch output', () => {
  it("reads rrdtool's numbers exactly as Number() does, and no data as NaN", () => {
    const words = [
      '1.0000000000e+01',
      '7.2500000000e+00',
      '9.5500000000e-03',
      '-nan',
      'nan',
      '0.0000000000e+00',
      '1.2345678900e+05',
      '-3.5000000000e-01',
    ];
    const v = new Float64Array(words.length);
    assert.equal(readRow(`1800000060: ${words.join(' ')}`, v), 1_800_000_060);
    assert.deepEqual(Array.from(v.slice(0, 3)), [10, 7.25, 0.00955]);
    assert.ok(Number.isNaN(v[3]) && Number.isNaN(v[4]));
    assert.deepEqual(Array.from(v.slice(5)), [0, 123456.789, -0.35]);
    assert.equal(
      readRow('1800000060: -nan 1', new Float64Array(2)),
      undefined,
      'no probes: no row',
    );
    assert.equal(readRow('                 probes failed', v), undefined);
  });
});
