// `ping-daemon graph` on a rotated log, and the status page in a real browser.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CLI, cli, cliDone, fileArgs, has, readLines, tempDir, waitFor } from '../helpers/cli.js';

const end = (t: number, host: string, seq: number, rtt: number | undefined): string =>
  rtt === undefined
    ? `{"time":"${new Date(t).toISOString()}","event":"end","host":"${host}","seq":${seq},"status":"down","loss_pct":100}\n`
    : `{"time":"${new Date(t).toISOString()}","event":"end","host":"${host}","seq":${seq},"status":"up","rtt_ms":${rtt},"loss_pct":0}\n`;

describe('graph', () => {
  it('draws from the current log and, when --since reaches back, its rotated and gzipped predecessors', async () => {
    const dir = tempDir();
    const log = join(dir, 'ping.log');
    const now = Date.now();
    const H = 3_600_000;
    // ping.log.2.gz: 3 h to 2 h ago; ping.log.1: 2 h to 1 h ago; ping.log: the last hour.
    const span = (fromAgo: number, toAgo: number, host: string, rtt: number) => {
      let text = '';
      for (let t = now - fromAgo; t < now - toAgo; t += 60_000) text += end(t, host, t, rtt);
      return text;
    };
    writeFileSync(`${log}.2.gz`, gzipSync(span(3 * H, 2 * H, 'a.test', 30)));
    writeFileSync(`${log}.1`, span(2 * H, H, 'a.test', 20));
    writeFileSync(log, span(H, 0, 'a.test', 10) + span(H, 0, 'b.test', 5));
    const svg = join(dir, 'g.svg');
    const r = await cliDone(['graph', '--log-file', log, '--since', '3h', '-o', svg]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, `ping-daemon: wrote ${svg} (2 hosts, from the ping log)\n`);
    const text = readFileSync(svg, 'utf8');
    assert.match(text, /^<svg /);
    assert.match(text, /data-host="a\.test"/);
    assert.match(text, /data-host="b\.test"/);
    // a.test's medians come from all three files: 30, 20 and 10 ms.
    const panelA = text.slice(
      text.indexOf('data-host="a.test"'),
      text.indexOf('data-host="b.test"'),
    );
    const ys = new Set(
      [...panelA.matchAll(/class="median" x="[\d.]+" y="([\d.]+)"/g)].map((m) => m[1]),
    );
    assert.equal(ys.size, 3, `three levels of median, got ${[...ys].join(' ')}`);
    // The last hour only reads the current file: one level.
    const recent = await cliDone([
      'graph',
      '--log-file',
      log,
      '--since',
      '50m',
      '--host',
      'a.test',
    ]);
    assert.equal(recent.code, 0, recent.stderr);
    const levels = new Set(
      [...recent.stdout.matchAll(/class="median" x="[\d.]+" y="([\d.]+)"/g)].map((m) => m[1]),
    );
    assert.equal(levels.size, 1);
    assert.doesNotMatch(recent.stdout, /b\.test/);
  });

  it('refuses a bad --until or --since with one line and exit 2', async () => {
    const r = await cliDone(['graph', '--log-file', '/dev/null', '--until', 'yesterday']);
    assert.deepEqual(
      [r.code, r.stderr],
      [
        2,
        'ping-daemon: --until must be a positive duration like `3h`, `10d`, `2w`, `1y` (at most 10y) or a date like `2026-11-30` or `2026-11-30T12:00`, got `yesterday`\n',
      ],
    );
    const s = await cliDone(['graph', '--log-file', '/dev/null', '--since', 'ever']);
    assert.equal(s.code, 2);
    // A negative range is refused, not read as the flags -1 and -h (which printed the help).
    const negative = await cliDone(['graph', '--log-file', '/dev/null', '--since', '-1h']);
    assert.equal(negative.code, 2);
    assert.equal(negative.stdout, '');
    assert.match(negative.stderr, /^ping-daemon: --since .*cannot be negative, got `-1h`\n$/);
  });
});

describe('status on a terminal', () => {
  it("shows each host's last probes as a sparkline", async (t) => {
    if (!has('script')) return t.skip('script (util-linux) is missing');
    const dir = tempDir();
    const files = { log: join(dir, 'p.log'), pid: join(dir, 'd.pid') };
    const run = cli(['run', '--host', '127.0.0.1', '--interval', '100ms', ...fileArgs(files)]);
    await waitFor(
      'probes',
      () => readLines(files.log).filter((l) => l.startsWith('end')).length >= 5,
      10_000,
      run.stderr,
    );
    // `script` gives status a terminal, as a person running it has.
    const command = `${process.execPath} ${CLI} status --pid-file ${files.pid}`;
    const onTerminal = (env: NodeJS.ProcessEnv = process.env): string =>
      execFileSync('script', ['-qec', command, '/dev/null'], {
        encoding: 'utf8',
        timeout: 30_000,
        env,
      });
    try {
      const shown = onTerminal();
      // With its scale beside it, in the units the status page uses.
      assert.match(
        shown,
        /^ {4}[▁▂▃▄▅▆▇█×]{5,} {2}\d+(\.\d+)? (µs|ms) to \d+(\.\d+)? (µs|ms), last \d+ probes\r?$/m,
        shown,
      );
      // On a terminal the state is in colour and lines fit its width (script's: 80 columns).
      const ESC = '\u001b';
      assert.ok(shown.includes(`127.0.0.1: ${ESC}[32mup${ESC}[0m`), shown);
      const plain = shown.replace(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '').split(/\r?\n/);
      assert.ok(
        plain.every((l) => [...l].length <= 80),
        plain.join('\n'),
      );
      assert.ok(!onTerminal({ ...process.env, NO_COLOR: '1' }).includes(`${ESC}[3`));
      // Piped, it stays plain text for scripts.
      const piped = await cliDone(['status', '--pid-file', files.pid]);
      assert.doesNotMatch(piped.stdout, /[▁▂▃▄▅▆▇█]/);
      assert.ok(!piped.stdout.includes(ESC));
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });
});
