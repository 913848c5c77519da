// --alertmanager against Debian's real Alertmanager (prometheus-alertmanager, which .ci/run
// installs), on 127.0.0.1 without clustering: a host goes down and its alert fires there, a
// silence made there suppresses it, the host comes back and the alert is resolved.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cli, fileArgs, fixture, freePort, tempDir, waitFor, where } from '../helpers/cli.js';

const binary = where('prometheus-alertmanager');
const skip =
  binary === '' &&
  'prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager; .ci/run does)';

/** An Alertmanager of its own, routing everything to a receiver that sends nothing. */
async function alertmanager(): Promise<string> {
  const dir = tempDir();
  const config = join(dir, 'am.yml');
  writeFileSync(config, 'route:\n  receiver: none\nreceivers:\n  - name: none\n');
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (c) => {
    log += c;
  });
  after(() => child.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    'Alertmanager ready',
    async () => (await fetch(`${base}/-/ready`).catch(() => undefined))?.ok,
    30_000,
    () => log.slice(-500),
  );
  return base;
}

type Alert = { labels: Record<string, string>; status: { state: string }; endsAt: string };

async function alertsOf(base: string, host: string): Promise<Alert[]> {
  const all = (await (await fetch(`${base}/api/v2/alerts`)).json()) as Alert[];
  return all.filter((a) => a.labels.host === host);
}

describe('--alertmanager', { skip }, () => {
  it('fires a host that is down, is silenced there, and resolves when it is back', async () => {
    const base = await alertmanager();
    const dir = tempDir();
    const pingDir = join(dir, 'ping');
    cpSync(fixture('ping-switch'), pingDir, { recursive: true });
    const set = (mode: string) => writeFileSync(join(pingDir, 'mode'), `${mode}\n`);
    set('up');
    const run = cli([
      'run',
      ...['--host', '127.0.0.1', '--interval', '100ms', '--ping-dir', pingDir],
      ...['--alertmanager', base, '--metrics-listen', `127.0.0.1:${await freePort()}`],
      ...['--vantage', 'am-lab'],
      ...fileArgs({ log: join(dir, 'p.log'), pid: join(dir, 'd.pid') }),
    ]);
    try {
      await waitFor('up', () => run.stderr().includes('127.0.0.1 is up'), 10_000, run.stderr);
      set('down');
      const [firing] = await waitFor(
        'the alert firing in Alertmanager',
        async () => {
          const alerts = await alertsOf(base, '127.0.0.1');
          return alerts.length > 0 ? alerts : undefined;
        },
        15_000,
        run.stderr,
      );
      assert.deepEqual(firing?.labels, {
        alertname: 'PingHostDown',
        host: '127.0.0.1',
        state: 'down',
        severity: 'critical',
        vantage: 'am-lab',
      });
      assert.equal(firing?.status.state, 'active');
      assert.match(
        (firing as unknown as { generatorURL: string }).generatorURL,
        /^http:\/\/127\.0\.0\.1:\d+\/$/,
      );
      // A silence made in Alertmanager suppresses it: the daemon's labels are what it matches.
      const now = Date.now();
      const silence = await fetch(`${base}/api/v2/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          matchers: [{ name: 'host', value: '127.0.0.1', isRegex: false, isEqual: true }],
          startsAt: new Date(now).toISOString(),
          endsAt: new Date(now + 3_600_000).toISOString(),
          createdBy: 'test',
          comment: 'maintenance',
        }),
      });
      assert.equal(silence.status, 200, await silence.text());
      await waitFor('the alert suppressed', async () =>
        (await alertsOf(base, '127.0.0.1')).every((a) => a.status.state === 'suppressed'),
      );
      set('up');
      await waitFor(
        'the alert resolved',
        async () => (await alertsOf(base, '127.0.0.1')).length === 0,
        15_000,
        run.stderr,
      );
      assert.match(
        run.stderr(),
        /notified: change of 127\.0\.0\.1 via http:\/\/127\.0\.0\.1:\d+\/…: answered 200/,
      );
    } finally {
      run.child.kill('SIGTERM');
    }
    assert.equal((await run.exit).code, 0);
  });
});
