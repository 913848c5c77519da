// The store through a real rrdtool (Debian's; CI installs it).
import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readHistory } from '../../../src/graphs/archive-source.js';
import { Tally } from '../../../src/graphs/tally.js';
import { BYTES_PER_HOST } from '../../../src/history/layout.js';
import { findRrdtool, HistoryStore, historyDirProblem } from '../../../src/history/store.js';

const rrdtool = findRrdtool();
const T = 1_800_000_000; // seconds, a minute boundary
const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;

function minute(replies: number[], lost: number): Tally {
  const t = new Tally();
  for (const r of replies) t.add(r, 0);
  for (let i = 0; i < lost; i++) t.add(undefined, 100, i > 0 ? (i === 1 ? 2 : 1) : 0);
  return t;
}

describe('the history store', () => {
  it('writes minutes and reads any range back, merged exactly', async (t) => {
    if (!rrdtool) return t.skip('rrdtool is missing (CI installs it: apt-get install rrdtool)');
    const dir = mkdtempSync(join(tmpdir(), 'pd-hist-'));
    const store = new HistoryStore(dir, rrdtool);
    try {
      // Two days of minutes: 20 probes a minute, one lost every 10th minute, a 3-minute outage.
      const steps = [];
      for (let m = 1; m <= 2880; m++) {
        const outage = m >= 1000 && m < 1003;
        steps.push({
          end: T + m * 60,
          tally: outage
            ? minute([], 20)
            : minute(Array(m % 10 === 0 ? 19 : 20).fill(5 + (m % 3)), m % 10 === 0 ? 1 : 0),
        });
      }
      await store.write('::1', steps);
      assert.equal(statSync(join(dir, '_3a_3a1.rrd')).size <= BYTES_PER_HOST, true);
      assert.deepEqual(store.hosts(), ['::1']);
      const from = (T + 60) * 1000;
      const to = (T + 2880 * 60 + 60) * 1000;
      for (const columns of [2880, 360, 12]) {
        const frames = await readHistory(store, ['::1'], from, to, columns);
        const total = frames.get('::1')?.total();
        assert.ok(total, `a frame at ${columns} columns`);
        const lost = 288 - 3 + 60; // the tenth minutes' probes, and the outage's
        assert.ok(
          Math.abs((total.lossPct as number) - (lost / 57600) * 100) < 0.01,
          `${total.lossPct} at ${columns}`,
        );
        assert.ok(total.outage > 0, 'the outage survives consolidation');
        const median = total.quantile(0.5) as number;
        assert.ok(median > 5.5 && median < 6.5, `median ${median}`);
      }
      // A later write that starts before the last update skips what is there; a gap is unknown.
      await store.write('::1', [
        { end: T + 2880 * 60, tally: minute([100], 0) },
        { end: T + 2890 * 60, tally: minute([8], 0) },
      ]);
      const { rows } = await store.fetch('::1', T + 2875 * 60, T + 2890 * 60, 60);
      assert.deepEqual(
        rows.map((r) => [(r.end - T) / 60, r.tally.probes]),
        [
          [2876, 20],
          [2877, 20],
          [2878, 20],
          [2879, 20],
          [2880, 20],
          [2890, 1],
        ],
      );
      // Another process (a restarted daemon) goes on from the file's last update.
      const again = new HistoryStore(dir, rrdtool);
      await again.write('::1', [
        { end: T + 2890 * 60, tally: minute([1], 0) },
        { end: T + 2891 * 60, tally: minute([9], 0) },
      ]);
      const last = await again.fetch('::1', T + 2889 * 60, T + 2891 * 60, 60);
      assert.deepEqual(
        last.rows.map((r) => r.tally.max),
        [8, 9],
      );
      await again.close();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a directory that is a link, someone else's, or writable by others", (t) => {
    const base = mkdtempSync(join(tmpdir(), 'pd-hist-'));
    const made = join(base, 'new', 'history');
    assert.equal(historyDirProblem(made, uid, gid), undefined);
    assert.equal(statSync(made).mode & 0o777, 0o755);
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    assert.match(historyDirProblem(open, uid, gid) ?? '', /written by others/);
    const link = join(base, 'link');
    symlinkSync(made, link);
    assert.match(historyDirProblem(link, uid, gid) ?? '', /symbolic link/);
    assert.match(historyDirProblem(made, uid + 1, gid) ?? '', /belongs to uid/);
    if (uid !== 0)
      t.diagnostic('as root, a directory made is handed to the daemon user: CI runs that');
    assert.deepEqual(readdirSync(made), []);
    rmSync(base, { recursive: true, force: true });
  });
});
