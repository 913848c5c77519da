import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AlertRules,
  type HealthEvent,
  type HostHealth,
  initialHealth,
  observe,
  windowFigures,
} from '../../../src/alerts/state.js';
import type { ProbeResult } from '../../../src/probing/ping-result.js';
import { defaultAlerts } from '../../helpers/settings.js';

const defaults: AlertRules = defaultAlerts;

const U: ProbeResult = { status: 'up', rttMs: 10, lossPct: 0 };
const D: ProbeResult = { status: 'down', lossPct: 100 };
const E: ProbeResult = { status: 'error', error: 'unknown host' };
const slow = (rttMs: number): ProbeResult => ({ status: 'up', rttMs, lossPct: 0 });

/** Feeds `results` one a second from t=0; returns every event and the final health. */
function run(results: ProbeResult[], rules: AlertRules = defaults, start = initialHealth()) {
  let health: HostHealth = start;
  const events: (HealthEvent & { at: number })[] = [];
  results.forEach((result, i) => {
    const step = observe(health, result, rules, new Date(i * 1000));
    health = step.health;
    if (step.event) events.push({ ...step.event, at: i });
  });
  return { events, health };
}

const changes = (results: ProbeResult[], rules?: AlertRules) =>
  run(results, rules).events.map(
    (e) => `${e.at}:${e.previous}>${e.state}${e.notify ? '' : '(quiet)'}`,
  );

describe('host state machine', () => {
  const table: [string, ProbeResult[], string[]][] = [
    ['a steady host: up once, quietly', [U, U, U, U], ['1:unknown>up(quiet)']],
    ['flapping at every probe: no change', [U, D, U, D, U, D, U, D], []],
    ['flapping in pairs: still no change', [D, D, U, D, D, U, D, D, U], []],
    ['exactly three failures: one down, told', [D, D, D, D, D], ['2:unknown>down']],
    ['two failures are not enough', [U, U, D, D, U, U], ['1:unknown>up(quiet)']],
    [
      'down, then up after two replies',
      [U, U, D, D, D, U, U, U],
      ['1:unknown>up(quiet)', '4:up>down', '6:down>up'],
    ],
    ['one reply is not a recovery', [U, U, D, D, D, U, D, U], ['1:unknown>up(quiet)', '4:up>down']],
    ['errors are failures too', [U, U, E, E, E], ['1:unknown>up(quiet)', '4:up>down']],
    [
      'errors and silence mixed are failures',
      [U, U, E, D, E],
      ['1:unknown>up(quiet)', '4:up>down'],
    ],
  ];
  for (const [name, results, expected] of table) {
    it(name, () => assert.deepEqual(changes(results), expected));
  }

  it('gives each failure its own reason', () => {
    const reason = (results: ProbeResult[]) => run(results).events.at(-1)?.reason;
    assert.equal(reason([D, D, D]), '3 probes without reply');
    assert.equal(reason([E, E, E]), 'unknown host (3 probes)');
    const dns: ProbeResult = { status: 'error', error: 'timeout (name resolution)' };
    assert.equal(reason([dns, dns, dns]), 'name resolution failed (3 probes)');
    assert.equal(reason([E, D, E]), '3 probes without reply');
    assert.equal(reason([U, U, D, D, D, U, U]), '2 probes with a reply');
  });

  it('says how long the host was in its previous state', () => {
    const { events } = run([U, U, D, D, D, D, D, U, U]);
    const up = events.at(-1);
    assert.equal(up?.state, 'up');
    assert.equal(up?.durationS, 4); // down at t=4, up at t=8
    assert.equal(up?.since.getTime(), 8000);
  });

  it('obeys its own counts', () => {
    const rules = { ...defaults, downAfter: 1, upAfter: 1 };
    assert.deepEqual(changes([U, D, U], rules), ['0:unknown>up(quiet)', '1:up>down', '2:down>up']);
  });
});

describe('degraded', () => {
  const rules = { ...defaults, window: 4, degradedRttMs: 200, degradedLossPct: 25 };

  it('is judged over a full window only, and left when both figures are under again', () => {
    const results = [U, U, slow(300), slow(300), slow(300), U, U, U];
    const { events } = run(results, rules);
    assert.deepEqual(
      events.map((e) => [e.at, e.state, e.reason]),
      [
        [1, 'up', '2 probes with a reply'],
        // At 3 the window is 10, 10, 300, 300: a median of 155 ms.
        [4, 'degraded', 'median rtt 300 ms >= 200 ms over the last 4 probes'],
        [6, 'up', 'median rtt 155 ms < 200 ms and loss 0% < 25% over the last 4 probes'],
      ],
    );
  });

  it('counts loss over the window, and a lost probe as 100 %', () => {
    const { events } = run([U, U, U, D], rules);
    assert.deepEqual(
      events.map((e) => [e.state, e.reason, e.lossPct]),
      [
        ['up', '2 probes with a reply', 0],
        ['degraded', 'loss 25% >= 25% over the last 4 probes', 25],
      ],
    );
  });

  it('is never entered without a threshold', () => {
    assert.deepEqual(
      changes([U, U, slow(5000), slow(5000), slow(5000)], { ...defaults, window: 2 }),
      ['1:unknown>up(quiet)'],
    );
  });

  it('goes down when the failures go on, and comes back up with a fresh window', () => {
    const results = [U, U, U, D, D, D, U, U];
    assert.deepEqual(changes(results, rules), [
      '1:unknown>up(quiet)',
      '3:up>degraded',
      '5:degraded>down',
      '7:down>up',
    ]);
  });
});

describe('reminders', () => {
  const rules = { ...defaults, remindEveryMs: 3000 };
  it('repeat while the host stays down, and stop when it is up', () => {
    const { events } = run([D, D, D, D, D, D, D, D, D, U, U, U, U, U], rules);
    assert.deepEqual(
      events.map((e) => `${e.at}:${e.kind}:${e.state}`),
      ['2:change:down', '5:reminder:down', '8:reminder:down', '10:change:up'],
    );
    const reminder = events[1];
    assert.equal(reminder?.since.getTime(), 2000);
    assert.equal(reminder?.durationS, 3);
    assert.equal(reminder?.reason, '3 probes without reply');
  });
});

describe('the window', () => {
  it('holds the last `window` probes, also when a reload makes it smaller or larger', () => {
    const rules = { ...defaults, window: 4 };
    let { health } = run([U, U, slow(1), slow(2), slow(3), slow(4), slow(5)], rules);
    assert.deepEqual(
      health.window.map((s) => s.rttMs),
      [2, 3, 4, 5],
    );
    health = observe(health, slow(6), { ...rules, window: 2 }, new Date(8000)).health;
    assert.deepEqual(
      health.window.map((s) => s.rttMs),
      [5, 6],
    );
    health = observe(health, D, { ...rules, window: 3 }, new Date(9000)).health;
    assert.deepEqual(
      health.window.map((s) => [s.rttMs, s.lossPct, s.reply]),
      [
        [5, 0, true],
        [6, 0, true],
        [undefined, 100, false],
      ],
    );
  });
});

describe('windowFigures', () => {
  it('gives the mean loss and the median rtt of the replies', () => {
    const sample = (rttMs: number | undefined, lossPct: number) => ({
      reply: rttMs !== undefined,
      rttMs,
      lossPct,
    });
    assert.deepEqual(
      windowFigures([sample(1, 0), sample(3, 0), sample(undefined, 100), sample(2, 50)]),
      {
        lossPct: 37.5,
        medianRttMs: 2,
      },
    );
    assert.deepEqual(windowFigures([]), { lossPct: undefined, medianRttMs: undefined });
  });
});
