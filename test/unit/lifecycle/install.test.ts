import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { install, plan, SHIPPED_BIN, unstableBinary } from '../../../src/lifecycle/install.js';
import { PACKAGE_ROOT } from '../../../src/paths.js';

describe('install plan', () => {
  const steps = plan({
    root: '/stage',
    bin: '/opt/pd/bin/ping-daemon',
    forking: false,
    node: '/usr/bin/node',
  });

  it('puts the unit, the config and the logrotate file in their places', () => {
    assert.deepEqual(
      steps.map((s) => [s.target, s.keepExisting]),
      [
        ['/stage/etc/systemd/system/ping-daemon.service', false],
        ['/stage/etc/ping-daemon/config.json', true],
        ['/stage/etc/logrotate.d/ping-daemon', false],
      ],
    );
    for (const s of steps) assert.ok(s.source.startsWith(PACKAGE_ROOT));
  });

  it('writes the real binary into ExecStart and into logrotate', () => {
    const unit = steps[0]?.transform(readFileSync(steps[0].source, 'utf8')) ?? '';
    assert.match(
      unit,
      /^ExecStart=\/usr\/bin\/node --single-threaded --max-semi-space-size=1 (--lite-mode )?(--no-expose-wasm )?(--disable-sigusr1 )?\/opt\/pd\/bin\/ping-daemon run --config \/etc\/ping-daemon\/config.json/m,
    );
    assert.ok(!unit.includes(SHIPPED_BIN));
    const rotate = steps[2]?.transform(readFileSync(steps[2].source, 'utf8')) ?? '';
    assert.match(rotate, /\|\| \/opt\/pd\/bin\/ping-daemon reload/);
  });

  it("gives a fleet's run the fleet prober's V8 flags", () => {
    const fleet = plan({ root: '/', bin: '/b', forking: false, node: '/n', prober: 'fping' })[0];
    const unit = fleet?.transform(readFileSync(fleet.source, 'utf8')) ?? '';
    assert.match(unit, /^ExecStart=\/n --single-threaded --max-semi-space-size=1 \/b run /m);
  });

  it('installs the forking variant under the same unit name', () => {
    const forking = plan({ root: '/', bin: '/b', forking: true })[0];
    assert.ok(forking?.source.endsWith('ping-daemon-forking.service'));
    assert.equal(forking?.target, '/etc/systemd/system/ping-daemon.service');
  });
});

describe('install', () => {
  it('names the package file it cannot read, and the target it cannot write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-install-'));
    const step = {
      source: join(dir, 'missing.service'),
      target: join(dir, 'out'),
      keepExisting: false,
      transform: (t: string) => t,
    };
    assert.throws(() => install([step], false), {
      message: `cannot read ${step.source}: no such file or directory; the package is incomplete, install ping-daemon again`,
    });
    writeFileSync(step.source, 'x');
    const blocked = { ...step, target: join(step.source, 'below-a-file') };
    assert.throws(() => install([blocked], false), {
      message: /^cannot write .*below-a-file: .*; choose another path with --root$/,
    });
  });
});

describe('unstableBinary', () => {
  it('warns of a binary off the system PATH, or of a link into a clone', () => {
    const plain = mkdtempSync(join(tmpdir(), 'pd-pkg-'));
    const clone = mkdtempSync(join(tmpdir(), 'pd-clone-'));
    mkdirSync(join(clone, '.git'));
    assert.equal(unstableBinary('/usr/bin/ping-daemon', plain), undefined);
    assert.match(
      unstableBinary('/home/u/ping-daemon/dist/cli.js', plain) ?? '',
      /^the unit would run \/home\/u\/ping-daemon\/dist\/cli\.js, which is not a ping-daemon installed on the system PATH; install the package/,
    );
    assert.match(
      unstableBinary('/usr/local/bin/ping-daemon', clone) ?? '',
      /which is a link into the clone .*: the service would change with every checkout/,
    );
  });
});
