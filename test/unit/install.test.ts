import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PACKAGE_ROOT, plan, SHIPPED_BIN } from '../../src/install.js';

describe('install plan', () => {
  const steps = plan({ root: '/stage', bin: '/opt/pd/bin/ping-daemon', forking: false });

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
      /^ExecStart=\/opt\/pd\/bin\/ping-daemon run --config \/etc\/ping-daemon\/config.json/m,
    );
    assert.ok(!unit.includes(SHIPPED_BIN));
    const rotate = steps[2]?.transform(readFileSync(steps[2].source, 'utf8')) ?? '';
    assert.match(rotate, /\|\| \/opt\/pd\/bin\/ping-daemon reload/);
  });

  it('installs the forking variant under the same unit name', () => {
    const forking = plan({ root: '/', bin: '/b', forking: true })[0];
    assert.ok(forking?.source.endsWith('ping-daemon-forking.service'));
    assert.equal(forking?.target, '/etc/systemd/system/ping-daemon.service');
  });
});
