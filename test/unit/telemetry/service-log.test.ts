import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isJournal, journalPriority } from '../../../src/telemetry/journal.js';
import { chooseSink } from '../../../src/telemetry/service-log.js';

describe('service log sink', () => {
  it('writes the file when one is named, else journal, pretty or JSON on stderr', () => {
    assert.equal(chooseSink('/var/log/x.log', true, true), 'file');
    assert.equal(chooseSink(undefined, true, true), 'journal');
    assert.equal(chooseSink(undefined, false, true), 'pretty');
    assert.equal(chooseSink(undefined, false, false), 'json');
  });

  it('trusts JOURNAL_STREAM only when it names the stream stderr is', () => {
    assert.equal(isJournal('8:12345', { dev: 8, ino: 12345 }), true);
    assert.equal(isJournal('8:12345', { dev: 8, ino: 999 }), false);
    assert.equal(isJournal(undefined, { dev: 8, ino: 12345 }), false);
    assert.equal(isJournal('', { dev: 0, ino: 0 }), false);
  });

  it('maps pino levels to syslog priorities', () => {
    const at = (level: number) => journalPriority(`{"level":${level},"msg":"x"}\n`);
    assert.deepEqual([at(10), at(20), at(30), at(40), at(50), at(60)], [7, 7, 6, 4, 3, 2]);
  });
});
