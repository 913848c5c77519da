import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NO_REPLY, recentResults, SPARK_PROBES, sparkline } from '../../../src/graphs/sparkline.js';
import { tempDir } from '../../helpers/cli.js';

describe('sparkline', () => {
  it('scales RTTs between their lowest and highest, and marks a probe without reply', () => {
    assert.equal(sparkline([1, 2, 3, 4, 5, 6, 7, 8]), '▁▂▃▄▅▆▇█');
    assert.equal(sparkline([10, undefined, 80]), `▁${NO_REPLY}█`);
    assert.equal(sparkline([5, 5, 5]), '▁▁▁');
    assert.equal(sparkline([undefined, undefined]), `${NO_REPLY}${NO_REPLY}`);
  });

  it("reads each host's last 60 results from the end of the log, oldest first", () => {
    const path = join(tempDir(), 'p.log');
    let text = '';
    for (let i = 1; i <= 100; i++) {
      const rtt = i % 10 === 0 ? undefined : i;
      text +=
        rtt === undefined
          ? `end of time--------:2026-11-30T12:00:00.000+00:00 host=a.test seq=${i} status=down loss=100%\n`
          : `end of time--------:2026-11-30T12:00:00.000+00:00 host=a.test seq=${i} status=up rtt_ms=${rtt} loss=0%\n`;
      text += `end of time--------:2026-11-30T12:00:00.000+00:00 host=b.test seq=${i} status=up rtt_ms=1 loss=0%\n`;
    }
    writeFileSync(path, text);
    const got = recentResults(path, ['a.test', 'b.test', 'c.test']);
    const a = got.get('a.test') ?? [];
    assert.equal(a.length, SPARK_PROBES);
    assert.equal(a[0], 41);
    assert.equal(a.at(-1), undefined, 'probe 100 had no reply');
    assert.equal(a.at(-2), 99);
    assert.deepEqual(got.get('c.test'), []);
  });
});
