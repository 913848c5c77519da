import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, formatElapsed, parseDuration } from '../../../src/config/duration.js';

describe('parseDuration', () => {
  const good: [unknown, number][] = [
    ['500ms', 500],
    ['3s', 3000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['3d', 3 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['1y', 365 * 86_400_000],
    ['3', 3000],
    ['0.5', 500],
    ['.25s', 250],
    ['1.5s', 1500],
    [' 2s ', 2000],
    [3, 3000],
    [0.2, 200],
  ];
  for (const [input, ms] of good) {
    it(`reads ${JSON.stringify(input)} as ${ms} ms`, () => assert.equal(parseDuration(input), ms));
  }
  const bad: unknown[] = [
    'abc',
    '',
    '0',
    '0s',
    '-1s',
    '3 s s',
    '3x',
    '1mo',
    '1e3',
    'NaN',
    0,
    -2,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    null,
    true,
    [3],
    '0.0001ms',
  ];
  for (const input of bad) {
    it(`refuses ${JSON.stringify(input)}`, () => assert.equal(parseDuration(input), undefined));
  }
});

describe('formatDuration', () => {
  it('gives the shortest exact spelling', () => {
    assert.equal(formatDuration(3000), '3s');
    assert.equal(formatDuration(500), '500ms');
    assert.equal(formatDuration(60_000), '1m');
    assert.equal(formatDuration(90_000), '90s');
    assert.equal(formatDuration(7_200_000), '2h');
  });
});

describe('formatElapsed', () => {
  it('reads like uptime', () => {
    assert.equal(formatElapsed(42_000), '42s');
    assert.equal(formatElapsed(93_784_000), '1d 2h 3m');
    assert.equal(formatElapsed(3_600_000), '1h');
  });
});
