// What the fault campaign's tests (test/e2e/fault-*.test.ts, issue 28) share: a scrape as
// Prometheus makes it, the lines of a log by host, the fping processes of a host, and a wall
// clock a test can step (libfaketime).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { has, parseText, processesMatching, readLines, type TextLine } from './cli.js';

export const NOBODY = 65534;

/** GET http://127.0.0.1:PORT/PATH on a connection of its own, as Prometheus scrapes (its default timeout, 10 s): the status, or 0. */
export function scrape(port: number, path = '/metrics'): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** The gaps between consecutive start lines of the log from line `from` on, ms. */
export function startGaps(log: string, from: number): number[] {
  const starts = readLines(log)
    .slice(from)
    .map(parseText)
    .filter((l) => l.event === 'start')
    .map((l) => Date.parse(l.time));
  return starts.slice(1).map((t, i) => t - (starts[i] as number));
}

export const noFping =
  !has('fping') && 'fping is not installed (apt-get install fping; .ci/run does)';

/** The fping processes (not their shells) probing `host`. */
export function fpingsFor(host: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const argv = readFileSync(`/proc/${e}/cmdline`, 'latin1').split('\0');
        return argv[0]?.endsWith('/fping') && argv.includes(host);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Each host's start lines are followed by their end lines, with no start left without one. */
export function everyStartHasItsEnd(log: string): void {
  for (const [host, lines] of byHost(log)) {
    lines.forEach((l, i) => {
      if (l.event === 'start') {
        assert.deepEqual([lines[i + 1]?.event, lines[i + 1]?.seq], ['end', l.seq], host);
      }
    });
  }
}

/** libfaketime, where Debian's `faketime` package puts it ('' without it). */
export const LIBFAKETIME =
  readdirSync('/usr/lib')
    .map((d) => `/usr/lib/${d}/faketime/libfaketime.so.1`)
    .find((p) => existsSync(p)) ?? '';

/**
 * A wall clock the test sets, for the daemon and (through `env`) for a stand-in fping: libfaketime
 * reading its offset from a file at every call, the monotonic clock left alone, as a real step
 * of the clock (settimeofday, an NTP step) leaves it.
 */
export function steppableClock(dir: string) {
  const file = join(dir, 'faketime');
  writeFileSync(file, '+0');
  let offsetS = 0;
  return {
    env: {
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: file,
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    },
    set(seconds: number) {
      offsetS = seconds;
      writeFileSync(file, `${seconds >= 0 ? '+' : ''}${seconds}`);
    },
    /** What the daemon's clock says now, ms. */
    now: () => Date.now() + offsetS * 1000,
  };
}

/** Each host's lines, in the order written. */
export function byHost(log: string): Map<string, TextLine[]> {
  const hosts = new Map<string, TextLine[]>();
  for (const line of readLines(log).map(parseText)) {
    hosts.set(line.host, [...(hosts.get(line.host) ?? []), line]);
  }
  return hosts;
}

/**
 * The processes matching `text` (see processesMatching) that hold a file below `dir` open: this
 * test's, and not those a run killed half-way (a file timed out) may have left with the same host.
 */
export function processesIn(dir: string, text: string): number[] {
  return processesMatching(text).filter((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(`${dir}/`);
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}
