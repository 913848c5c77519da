// A small world of vantages for the tests of docs/fleets.md's multi-vantage setup, built from
// network namespaces this test creates (SPEC §7: no packet leaves them):
//
//   v1, v2, v3   one daemon each, 198.18.0.N/24, default route via core
//   core         a bridge (198.18.0.254) joining them; the targets 198.19.0.1 and .2 on its lo;
//                Prometheus, a second Prometheus federating the first, and Alertmanager
//
// 198.18.0.0/15 is the benchmarking range (RFC 2544): no real network uses it. Faults are ip
// rules in core that drop the echo replies of a target, to one vantage or to all.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after } from 'node:test';
import { cliDone, fileArgs, fixture, killAtEnd, tempDir, waitFor } from './cli.js';

export const TARGETS = ['198.19.0.1', '198.19.0.2'] as const;
export const VANTAGES = ['v1', 'v2', 'v3'] as const;
export type Vantage = (typeof VANTAGES)[number];
const PORTS = { leaf: 9090, global: 9091, alertmanager: 9093 } as const;

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

export interface Alert {
  labels: Record<string, string>;
  status: { state: string };
  endsAt: string;
}

export class VantageWorld {
  readonly dir = tempDir();
  readonly #prefix = `pdv${process.pid}`;
  readonly #children: ChildProcess[] = [];
  readonly #pids = new Map<Vantage, number>();

  constructor() {
    after(() => this.#teardown());
  }

  ns(name: 'core' | Vantage): string {
    return `${this.#prefix}${name}`;
  }

  /** The namespaces, the links, the routes. */
  build(): void {
    const core = this.ns('core');
    this.#teardown();
    ip('netns', 'add', core);
    ip('-n', core, 'link', 'set', 'lo', 'up');
    for (const t of TARGETS) ip('-n', core, 'addr', 'add', `${t}/32`, 'dev', 'lo');
    ip('-n', core, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', core, 'addr', 'add', '198.18.0.254/24', 'dev', 'br0');
    ip('-n', core, 'link', 'set', 'br0', 'up');
    for (const v of VANTAGES) {
      const ns = this.ns(v);
      ip('netns', 'add', ns);
      ip('-n', core, 'link', 'add', v, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('-n', core, 'link', 'set', v, 'master', 'br0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', `${this.address(v)}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'route', 'add', 'default', 'via', '198.18.0.254');
    }
  }

  address(v: Vantage): string {
    return `198.18.0.${VANTAGES.indexOf(v) + 1}`;
  }

  /** Starts the daemon of vantage `v` in its namespace; returns its PID. */
  async startDaemon(v: Vantage): Promise<number> {
    const files = { log: join(this.dir, `${v}.log`), pid: join(this.dir, `${v}.pid`) };
    const r = await cliDone(
      [
        'start',
        ...fileArgs({ ...files, svc: join(this.dir, `${v}.svc.log`) }),
        ...TARGETS.flatMap((t) => ['--host', t]),
        ...['--interval', '200ms', '--format', 'json', '--history-dir', 'off'],
        ...['--vantage', v, '--metrics-listen', `${this.address(v)}:9469`],
      ],
      { prefix: ['ip', 'netns', 'exec', this.ns(v)] },
    );
    if (r.code !== 0) throw new Error(`the daemon of ${v} did not start: ${r.stderr}`);
    const pid = Number(readFileSync(files.pid, 'utf8'));
    killAtEnd(pid);
    this.#pids.set(v, pid);
    return pid;
  }

  async stopDaemon(v: Vantage): Promise<void> {
    const r = await cliDone(['stop', '--pid-file', join(this.dir, `${v}.pid`)]);
    if (r.code !== 0) throw new Error(`the daemon of ${v} did not stop: ${r.stderr}`);
    this.#pids.delete(v);
  }

  /**
   * Prometheus scraping the three daemons; a second one federating it, with `rules` and
   * Alertmanager; the bridge that lets the test reach the three.
   */
  async startMonitoring(rules: string): Promise<void> {
    const file = (name: string, text: string): string => {
      const path = join(this.dir, name);
      writeFileSync(path, text);
      return path;
    };
    const targets = VANTAGES.map((v) => `'${this.address(v)}:9469'`).join(', ');
    const leaf = file(
      'leaf.yml',
      `global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: ping-daemon
    static_configs: [{ targets: [${targets}] }]
`,
    );
    file('rules.yml', rules);
    const global = file(
      'global.yml',
      `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [rules.yml]
alerting:
  alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:${PORTS.alertmanager}'] }] }]
scrape_configs:
  - job_name: federate
    honor_labels: true
    # Samples then take this scrape's time: a vantage gone from the first Prometheus is stale
    # here at the next scrape, not 5 minutes later (docs/fleets.md).
    honor_timestamps: false
    metrics_path: /federate
    params: { 'match[]': ['{__name__=~"ping_.*"}'] }
    static_configs: [{ targets: ['127.0.0.1:${PORTS.leaf}'] }]
`,
    );
    const am = file('am.yml', 'route:\n  receiver: none\nreceivers:\n  - name: none\n');
    const prometheus = (config: string, port: number, name: string): ChildProcess =>
      this.#inCore(name, [
        'prometheus',
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(this.dir, name)}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--rules.alert.resend-delay=1s',
        '--log.level=warn',
      ]);
    prometheus(leaf, PORTS.leaf, 'leaf');
    prometheus(global, PORTS.global, 'global');
    this.#inCore('alertmanager', [
      'prometheus-alertmanager',
      `--config.file=${am}`,
      `--storage.path=${join(this.dir, 'am')}`,
      `--web.listen-address=127.0.0.1:${PORTS.alertmanager}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ]);
    this.#inCore('bridge', [
      process.execPath,
      fixture('ns-bridge.mjs'),
      this.dir,
      ...Object.values(PORTS).map(String),
    ]);
    await waitFor('the bridge', () => this.log('bridge').includes('ready'), 20_000);
    for (const [name, port] of Object.entries(PORTS)) {
      await waitFor(
        `${name} ready`,
        () =>
          this.get(port, '/-/ready').then(
            () => true,
            () => false,
          ),
        60_000,
        () => this.log(name).slice(-800),
      );
    }
  }

  #inCore(name: string, argv: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns('core'), ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout?.on('data', (c) => {
      text += c;
    });
    child.stderr?.on('data', (c) => {
      text = (text + c).slice(-20_000);
    });
    this.#logs.set(name, () => text);
    this.#children.push(child);
    return child;
  }

  readonly #logs = new Map<string, () => string>();

  log(name: string): string {
    return this.#logs.get(name)?.() ?? '';
  }

  /** GET `path` of the server on `port` in core, through the bridge; the body, if 2xx. */
  get(port: number, path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        { socketPath: join(this.dir, `${port}.sock`), path, timeout: 10_000 },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () =>
            (res.statusCode ?? 0) < 300
              ? resolve(body)
              : reject(new Error(`GET ${path}: ${res.statusCode} ${body.slice(0, 300)}`)),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer`)));
      req.on('error', reject);
      req.end();
    });
  }

  /** A PromQL query at the federating Prometheus (or the leaf): its result. */
  async query(
    expr: string,
    where: 'global' | 'leaf' = 'global',
  ): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const body = await this.get(PORTS[where], `/api/v1/query?query=${encodeURIComponent(expr)}`);
    return JSON.parse(body).data.result;
  }

  /** A range query over the last `seconds`, as a dashboard's panel asks. */
  async queryRange(
    expr: string,
    seconds: number,
  ): Promise<{ metric: Record<string, string>; values: [number, string][] }[]> {
    const end = Date.now() / 1000;
    const params = new URLSearchParams({
      query: expr,
      start: String(end - seconds),
      end: String(end),
      step: '2',
    });
    const body = await this.get(PORTS.global, `/api/v1/query_range?${params}`);
    return JSON.parse(body).data.result;
  }

  /** The values of `label` on the series `match` selects (Grafana's label_values()). */
  async labelValues(label: string, match: string): Promise<string[]> {
    const path = `/api/v1/label/${label}/values?match[]=${encodeURIComponent(match)}`;
    return JSON.parse(await this.get(PORTS.global, path)).data;
  }

  /** The alerts Alertmanager holds that are active (not resolved). */
  async alerts(): Promise<Alert[]> {
    const all = JSON.parse(await this.get(PORTS.alertmanager, '/api/v2/alerts')) as Alert[];
    const now = Date.now();
    return all.filter((a) => a.status.state === 'active' && Date.parse(a.endsAt) > now);
  }

  /** `ip rule` in core dropping the echo replies of `target`, to vantage `v` or to all. */
  cut(target: string, v?: Vantage): () => void {
    const selector = ['from', target, ...(v ? ['to', this.address(v)] : [])];
    ip('-n', this.ns('core'), 'rule', 'add', ...selector, 'blackhole');
    return () => ip('-n', this.ns('core'), 'rule', 'del', ...selector, 'blackhole');
  }

  #teardown(): void {
    for (const child of this.#children.splice(0)) child.kill('SIGKILL');
    for (const pid of this.#pids.values()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    this.#pids.clear();
    for (const name of ['core', ...VANTAGES] as const) {
      try {
        execFileSync('ip', ['netns', 'del', this.ns(name)], { stdio: 'ignore' });
      } catch {
        // not there
      }
    }
  }
}
