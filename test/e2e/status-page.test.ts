// The status page in a real browser: Debian's headless Chromium driven by playwright-core.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { cli, fileArgs, freePort, tempDir, waitFor, where } from '../helpers/cli.js';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const browserPath = where('chromium');

/** A stand-in ping: 127.0.0.1 answers; 127.0.0.2 fails with a message full of HTML. */
function standIn(dir: string): string {
  const pingDir = join(dir, 'ping');
  mkdirSync(pingDir);
  writeFileSync(
    join(pingDir, 'ping'),
    `#!/bin/sh
for host; do :; done
if [ "$host" = 127.0.0.2 ]; then
  echo 'ping: <script>document.title="owned"</script><b>bold</b> & "quoted"' >&2
  exit 2
fi
printf 'PING %s (%s) 56(84) bytes of data.\\n64 bytes from %s: icmp_seq=1 ttl=64 time=0.042 ms\\n\\n--- %s ping statistics ---\\n1 packets transmitted, 1 received, 0%% packet loss, time 0ms\\nrtt min/avg/max/mdev = 0.042/0.042/0.042/0.000 ms\\n' "$host" "$host" "$host" "$host"
`,
    { mode: 0o755 },
  );
  return pingDir;
}

describe('the status page in Chromium', () => {
  it('shows every host, its state escaped and its graph, without a console error, and refreshes', async (t) => {
    if (!browserPath)
      return t.skip('chromium is missing (CI installs it: apt-get install chromium)');
    const dir = tempDir();
    const port = await freePort();
    const run = cli([
      'run',
      ...['--host', '127.0.0.1,127.0.0.2', '--ping-dir', standIn(dir)],
      // Every probe of 127.0.0.1 must answer (the table shows its last, its loss and medians): a
      // timeout a loaded machine cannot run out before the stand-in has spoken (CI: with 100 ms,
      // Chromium starting beside it, 80 ms did).
      ...['--interval', '1s', '--timeout', '900ms'],
      ...[
        '--metrics-listen',
        `127.0.0.1:${port}`,
        ...['--vantage', 'lab.fra-1'],
        ...fileArgs({ log: join(dir, 'p.log'), pid: join(dir, 'd.pid') }),
      ],
    ]);
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: browserPath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport: { width: 860, height: 900 },
    });
    try {
      await waitFor(
        '127.0.0.2 down',
        () => run.stderr().includes('127.0.0.2 is down'),
        10_000,
        run.stderr,
      );
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(`http://127.0.0.1:${port}/?refresh=2`);
      const states = await page.$$eval('section.host', (s) =>
        s.map((e) => [e.getAttribute('data-host'), e.getAttribute('data-state')]),
      );
      // Problems first.
      assert.deepEqual(states, [
        ['127.0.0.2', 'down'],
        ['127.0.0.1', 'up'],
      ]);
      // A summary table for the person on call: state, since when and how long ago, the last
      // probe, loss and median over 1, 5 and 15 minutes, in the units the graphs use.
      const rows = await page.$$eval('table.summary tbody tr', (r) =>
        r.map((e) =>
          Array.from(e.querySelectorAll('td')).map(
            (td) => (td as { textContent: string | null }).textContent ?? '',
          ),
        ),
      );
      assert.equal(rows.length, 2);
      assert.equal(rows[0]?.[0], '127.0.0.2');
      assert.match(rows[0]?.[2] ?? '', /\(\d+ s ago\)$/);
      assert.match(rows[1]?.[3] ?? '', /^42 µs$/);
      assert.match(rows[1]?.[4] ?? '', /^0% \/ 0% \/ 0%$/);
      assert.match(rows[1]?.[5] ?? '', /^42 µs \/ 42 µs \/ 42 µs$/);
      // The graph is drawn: a median for the host that answers, an outage for the one that does not.
      assert.ok((await page.locator('section[data-host="127.0.0.1"] svg rect.median').count()) > 0);
      assert.ok((await page.locator('section[data-host="127.0.0.2"] svg rect.outage').count()) > 0);
      // The hostile text is shown as text: no element made of it, no script run.
      const meta =
        (await page.locator('section[data-host="127.0.0.2"] p.meta').textContent()) ?? '';
      assert.match(meta, /<script>document\.title="owned"<\/script><b>bold<\/b> & "quoted"/);
      assert.equal(await page.locator('section b, section script').count(), 0);
      // Tabs of several vantages tell apart.
      assert.match(await page.title(), /^ping-daemon from lab\.fra-1: \d/);
      assert.match((await page.locator('h1').textContent()) ?? '', /^ping-daemon from lab\.fra-1 /);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });
      // It reloads itself (here every 2 s).
      await page.waitForEvent('load', { timeout: 10_000 });
      // On a phone: nothing wider than the screen.
      await page.setViewportSize({ width: 390, height: 800 });
      // A string, evaluated in the page: this file is not compiled with the DOM's types.
      const wide = (await page.evaluate('document.documentElement.scrollWidth')) as number;
      assert.ok(wide <= 390, `${wide} px wide on a 390 px screen`);
      await page.screenshot({ path: join(ARTIFACTS, 'status-page-phone.png'), fullPage: true });
      // Each host has its own page, linked from the table.
      await page.click('table.summary a[href^="?host=127.0.0.1"]');
      assert.deepEqual(
        await page.$$eval('section.host', (s) => s.map((e) => e.getAttribute('data-host'))),
        ['127.0.0.1'],
      );
      assert.ok((await page.locator('section h3').count()) >= 1);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });
});
