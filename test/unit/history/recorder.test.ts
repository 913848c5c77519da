// The recorder through a real rrdtool (Debian's; CI installs it), on a clock the test moves: when
// each host's minutes reach its file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { historyFileName } from '../../../src/history/layout.js';
import {
  BATCH_FROM_HOSTS,
  BATCH_MINUTES,
  batchMinutes,
  GRACE_MS,
  HistoryRecorder,
  isTurn,
} from '../../../src/history/recorder.js';
import { findRrdtool, HistoryStore } from '../../../src/history/store.js';

const rrdtool = findRrdtool();
const T = 1_800_000_000; // seconds, a minute boundary

/** A recorder in `dir` (by default a new directory) whose clock is `clock.ms`. */
function recorder(hosts: string[], dir = mkdtempSync(join(tmpdir(), 'pd-rec-'))) {
  const clock = { ms: T * 1000 };
  const warnings: string[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => warnings.push(s) });
  const rec = new HistoryRecorder(new HistoryStore(dir, rrdtool as string), logger, () => clock.ms);
  /** Probes every host once in minute `m` (from T), then closes minute `m`. */
  const minute = async (m: number): Promise<void> => {
    for (const host of hosts) rec.observe(host, 1, 0, (T + m * 60) * 1000 + 500);
    clock.ms = (T + (m + 1) * 60) * 1000 + GRACE_MS;
    await rec.flush();
  };
  /** The end of each host's last step written (seconds), or 0 without a file. */
  const last = (): number[] =>
    hosts.map((host) => {
      try {
        return Number(
          execFileSync(rrdtool as string, ['last', join(dir, historyFileName(host))], {
            encoding: 'utf8',
          }).trim(),
        );
      } catch {
        return 0;
      }
    });
  return {
    dir,
    rec,
    minute,
    last,
    warnings,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe('the history recorder', () => {
  it('batches from BATCH_FROM_HOSTS hosts on; each host has a turn', () => {
    assert.equal(batchMinutes(1), 1);
    assert.equal(batchMinutes(BATCH_FROM_HOSTS - 1), 1);
    assert.equal(batchMinutes(BATCH_FROM_HOSTS), BATCH_MINUTES);
    // Every host writes once in any BATCH_MINUTES consecutive minutes, and a turn a minute.
    for (let turn = 0; turn < 12; turn++) {
      const writes = [0, 1, 2, 3, 4].filter((m) => isTurn(turn, (T / 60 + m) * 60, 5));
      assert.equal(writes.length, 1, `turn ${turn}`);
    }
    assert.ok(isTurn(7, 120, 1), 'unbatched: every minute');
  });

  it('a few hosts: each minute is written as it closes', async (t) => {
    if (!rrdtool) return t.skip('rrdtool is missing (CI installs it: apt-get install rrdtool)');
    const { rec, minute, last, cleanup } = recorder(['a.test', 'b.test', 'c.test']);
    try {
      for (let m = 0; m < 3; m++) {
        await minute(m);
        assert.deepEqual(
          last(),
          [1, 1, 1].map(() => T + (m + 1) * 60),
          `minute ${m}`,
        );
      }
    } finally {
      await rec.close();
      cleanup();
    }
  });

  it('many hosts: the first minute at once, then five at a time in turns; a stop writes the rest', async (t) => {
    if (!rrdtool) return t.skip('rrdtool is missing (CI installs it: apt-get install rrdtool)');
    const hosts = Array.from({ length: 12 }, (_, i) => `h${i}.test`);
    const { rec, minute, last, warnings, cleanup } = recorder(hosts);
    try {
      await minute(0);
      assert.deepEqual(
        last(),
        hosts.map(() => T + 60),
        'every file made with its first minute',
      );
      let before = last();
      const writes = hosts.map(() => 0);
      for (let m = 1; m <= 10; m++) {
        await minute(m);
        const now = last();
        const written = now.map((end, i) => end !== before[i]);
        // A fifth of the hosts each minute, never more than their share.
        const count = written.filter(Boolean).length;
        assert.ok(count <= Math.ceil(hosts.length / BATCH_MINUTES), `minute ${m}: ${count} hosts`);
        for (const [i, w] of written.entries()) {
          if (!w) continue;
          writes[i] = (writes[i] as number) + 1;
          assert.equal(now[i], T + (m + 1) * 60, 'a write brings its host up to date');
        }
        // Nobody is more than BATCH_MINUTES behind.
        for (const end of now) assert.ok(end > T + (m + 1 - BATCH_MINUTES) * 60, `minute ${m}`);
        before = now;
      }
      assert.ok(
        writes.every((n) => n === 2),
        `in 10 minutes each host is written twice: ${writes}`,
      );
      // A retired host's minutes are written; a clean stop writes everyone's closed minutes.
      await minute(11);
      const retired = hosts.findIndex((_, i) => (last()[i] as number) < T + 12 * 60);
      assert.ok(retired >= 0, 'some host has minutes waiting');
      rec.retire(hosts[retired] as string);
      await rec.flush();
      assert.equal(last()[retired], T + 12 * 60, 'the retired host written');
      await rec.close();
      assert.deepEqual(
        last(),
        hosts.map(() => T + 12 * 60),
        'all written at close',
      );
      assert.deepEqual(warnings, []);
    } finally {
      await rec.close();
      cleanup();
    }
  });

  it('a restart: hosts whose files are there wait for their turn from their first minute', async (t) => {
    if (!rrdtool) return t.skip('rrdtool is missing (CI installs it: apt-get install rrdtool)');
    const hosts = Array.from({ length: 10 }, (_, i) => `h${i}.test`);
    const first = recorder(hosts);
    const { rec, minute, last, warnings, cleanup } = recorder(hosts, first.dir);
    try {
      await first.minute(0);
      await first.rec.close();
      assert.deepEqual(
        last(),
        hosts.map(() => T + 60),
        'the first daemon made every file',
      );
      // The second daemon's first minute: only the hosts whose turn it is write it.
      await minute(1);
      const written = last().filter((end) => end === T + 2 * 60).length;
      assert.equal(written, hosts.length / BATCH_MINUTES, `${last().map((s) => s - T)}`);
      await rec.close();
      assert.deepEqual(
        last(),
        hosts.map(() => T + 2 * 60),
        'all written at close',
      );
      assert.deepEqual(warnings, []);
    } finally {
      await rec.close();
      cleanup();
    }
  });
});
