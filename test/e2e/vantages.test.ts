// Many vantages, one view (docs/fleets.md, SPEC §14): three daemons in three network namespaces,
// one real Prometheus scraping them, a second one federating it with the shipped rules, and
// Debian's real Alertmanager receiving their alerts. A path cut from one vantage is a warning
// naming it, and only that; a target cut everywhere is the consensus alert; a daemon stopped is
// the prober-down alert; each resolves in Alertmanager. Then every query of the shipped Grafana
// dashboard is run against that Prometheus, which by then holds all of it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { has, isRoot } from '../helpers/cli.js';
import { type Alert, TARGETS, VANTAGES, VantageWorld } from '../helpers/vantages.js';

const CONFIG = fileURLToPath(new URL('../../config/', import.meta.url));
const skip = !isRoot
  ? 'needs root for network namespaces (CI runs it)'
  : !has('prometheus') || !has('prometheus-alertmanager')
    ? 'needs prometheus and prometheus-alertmanager (.ci/run installs them)'
    : false;

/** The shipped rules, their minutes of `for:` made a second, so that a run takes seconds. */
const rules = (): string =>
  readFileSync(`${CONFIG}ping-daemon.rules.yml`, 'utf8').replace(/for: \d+m/g, 'for: 1s');

const CUT = TARGETS[0];
const brief = (alerts: Alert[]): string[] =>
  alerts
    .map((a) => [a.labels.alertname, a.labels.host, a.labels.vantage].filter(Boolean).join(' '))
    .sort();

describe('many vantages, one Prometheus, one Alertmanager', { skip }, () => {
  const world = new VantageWorld();
  /** Waits until Alertmanager's active alerts are exactly `expected` (brief form). */
  const alertsBecome = async (expected: string[], what: string): Promise<void> => {
    let seen: string[] = [];
    await waitAlerts(
      what,
      async () => {
        seen = brief(await world.alerts());
        return JSON.stringify(seen) === JSON.stringify(expected);
      },
      () => `Alertmanager holds ${JSON.stringify(seen)}`,
    );
  };
  const waitAlerts = async (
    what: string,
    check: () => Promise<boolean>,
    context: () => string,
  ): Promise<void> => {
    const deadline = Date.now() + 40_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; ${context()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  /** Alert `name` whenever it was pending or firing in the last `seconds` (whole ones). */
  const everRaised = async (name: string, seconds: number): Promise<string[]> =>
    (await world.query(`max_over_time(ALERTS{alertname="${name}"}[${Math.floor(seconds)}s])`)).map(
      (r) => JSON.stringify(r.metric),
    );

  before(async () => {
    world.build();
    await Promise.all(VANTAGES.map((v) => world.startDaemon(v)));
    await world.startMonitoring(rules());
  });

  it('labels every series with its vantage, through federation', async () => {
    await waitAlerts(
      'ping_up of 3 vantages × 2 hosts at the federating Prometheus',
      async () => (await world.query('ping_up == 1')).length === 6,
      () => '',
    );
    const up = await world.query('ping_up');
    assert.deepEqual(
      up.map((r) => `${r.metric.vantage} ${r.metric.host}`).sort(),
      VANTAGES.flatMap((v) => TARGETS.map((t) => `${v} ${t}`)).sort(),
    );
    // Process metrics too, at the Prometheus that scrapes the daemons.
    const processes = await world.query('group by (vantage) (process_start_time_seconds)', 'leaf');
    assert.deepEqual(processes.map((r) => r.metric.vantage).sort(), [...VANTAGES]);
    const info = await world.query('ping_daemon_info');
    assert.deepEqual(
      info.map((r) => r.metric.prober),
      ['ping', 'ping', 'ping'],
    );
    await alertsBecome([], 'no alert while every path is up');
  });

  it('a path cut from one vantage is a warning naming it, and only that', async () => {
    const began = Date.now();
    const restore = world.cut(CUT, 'v3');
    try {
      await alertsBecome([`PingPathProblem ${CUT} v3`], 'the path problem from v3');
      assert.deepEqual(await everRaised('PingHostDown', (Date.now() - began) / 1000), []);
      // The daemons agree: v3 sees it down, the others up.
      const down = await world.query(`ping_state{host="${CUT}",state="down"} == 1`);
      assert.deepEqual(
        down.map((r) => r.metric.vantage),
        ['v3'],
      );
    } finally {
      restore();
    }
    await alertsBecome([], 'the path problem resolved');
  });

  it('a target cut from every vantage is the consensus alert, which then resolves', async () => {
    const restore = world.cut(CUT);
    try {
      await alertsBecome([`PingHostDown ${CUT}`], 'the consensus alert');
      const [firing] = (await world.alerts()).filter((a) => a.labels.alertname === 'PingHostDown');
      assert.equal(firing?.labels.severity, 'critical');
      assert.equal(firing?.labels.vantage, undefined, 'a host alert, not a vantage alert');
    } finally {
      restore();
    }
    await alertsBecome([], 'the consensus alert resolved');
  });

  it('a daemon stopped is the prober-down alert, resolved when it is back', async () => {
    const began = Date.now();
    await world.stopDaemon('v2');
    await alertsBecome(['PingVantageDown v2'], 'v2 stopped reporting');
    // The hosts are still watched from two vantages: no host alert for a missing prober.
    assert.deepEqual(await everRaised('PingHostDown', (Date.now() - began) / 1000), []);
    await world.startDaemon('v2');
    await alertsBecome([], 'v2 back');
  });

  it('every query of the Grafana dashboard returns series', async () => {
    const dashboard = JSON.parse(readFileSync(`${CONFIG}grafana/ping-daemon.json`, 'utf8'));
    const vantages = await world.labelValues('vantage', 'ping_daemon_info');
    assert.deepEqual(vantages.sort(), [...VANTAGES]);
    const hosts = await world.labelValues('host', 'ping_up{vantage=~".*"}');
    assert.deepEqual(hosts.sort(), [...TARGETS]);
    // As Grafana fills them in: every vantage and host chosen (a regex of them all), the
    // repeated row's one host, a rate interval of four scrapes and more.
    const fill = (expr: string): string =>
      expr
        .replaceAll('host="$host"', `host="${CUT}"`)
        .replaceAll('$host', `(${hosts.join('|')})`.replaceAll('.', '\\\\.'))
        .replaceAll('$vantage', `(${vantages.join('|')})`)
        .replaceAll('$__rate_interval', '10s');
    const queries = collectQueries(dashboard.panels);
    assert.ok(queries.length >= 8, `${queries.length} queries`);
    for (const { title, expr } of queries) {
      const series = await world.queryRange(fill(expr), 120);
      assert.ok(series.length > 0, `"${title}": ${expr} returned no series`);
      const finite = series.some((s) => s.values.some(([, v]) => Number.isFinite(Number(v))));
      assert.ok(finite, `"${title}": ${expr} returned no number`);
    }
    for (const v of dashboard.templating.list.filter((t: { type: string }) => t.type === 'query')) {
      const [, metric, label] = /^label_values\((.+), (\w+)\)$/.exec(v.query.query) ?? [];
      assert.ok(metric && label, v.query.query);
      assert.ok((await world.labelValues(label, fill(metric))).length > 0, v.query.query);
    }
    // The loss heatmap has a row for each pair that lost packets, and only those: the cut
    // target from every vantage (cut everywhere once), v3 the most (cut twice); never the other.
    const heatmap = queries.find((q) => q.title.startsWith('Loss heatmap'))?.expr ?? '';
    const rows = await world.queryRange(fill(heatmap), 120);
    const worst = new Map(
      rows.map((r) => [
        `${r.metric.host} ${r.metric.vantage}`,
        Math.max(...r.values.map(([, v]) => Number(v))),
      ]),
    );
    assert.deepEqual(
      [...worst.keys()].sort(),
      VANTAGES.map((v) => `${CUT} ${v}`),
    );
    assert.ok(
      (worst.get(`${CUT} v3`) ?? 0) > (worst.get(`${CUT} v1`) ?? 1),
      JSON.stringify([...worst]),
    );
  });
});

interface Panel {
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

function collectQueries(panels: Panel[]): { title: string; expr: string }[] {
  return panels.flatMap((p) => [
    ...(p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })),
    ...collectQueries(p.panels ?? []),
  ]);
}
