import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type LogEvent, parseLogLine } from '../../../src/ping-log/format.js';
import { formatSummary, percentile, summarise } from '../../../src/reading/summary.js';

const lines = readFileSync(new URL('../../fixtures/summary.log', import.meta.url), 'utf8').split(
  '\n',
);
const events = lines.map(parseLogLine).filter((e): e is LogEvent => e !== undefined);

describe('summarise', () => {
  it('matches the hand-computed figures of test/fixtures/summary.log', () => {
    // a.test: 5 probes (text and json lines mixed): 4 up, 1 down; loss (0+50+0+100+0)/5 = 30;
    // rtt 10, 20, 30, 40: min 10, avg 25, p50 20 (nearest rank 2 of 4), p95 40, max 40.
    // b.test: 2 probes, 1 up, 1 error; loss from the up probe only: 0; rtt 5.
    assert.deepEqual(summarise(events), [
      {
        host: 'a.test',
        probes: 5,
        up: 4,
        down: 1,
        error: 0,
        lossPct: 30,
        rtt: { min: 10, avg: 25, p50: 20, p95: 40, max: 40 },
      },
      {
        host: 'b.test',
        probes: 2,
        up: 1,
        down: 0,
        error: 1,
        lossPct: 0,
        rtt: { min: 5, avg: 5, p50: 5, p95: 5, max: 5 },
      },
    ]);
  });

  it('prints one line per host', () => {
    assert.equal(
      formatSummary(summarise(events)),
      'a.test: 5 probes, 4 up, 1 down, 0 error, loss 30%, rtt min/avg/p50/p95/max = 10/25/20/40/40 ms\n' +
        'b.test: 2 probes, 1 up, 0 down, 1 error, loss 0%, rtt min/avg/p50/p95/max = 5/5/5/5/5 ms\n',
    );
    assert.equal(formatSummary([]), 'no probes in the lines read\n');
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(v, 50), 50);
    assert.equal(percentile(v, 95), 95);
    assert.equal(percentile(v, 100), 100);
    assert.equal(percentile([7], 95), 7);
  });
});
