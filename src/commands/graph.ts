// `ping-daemon graph [--host H] [--since 24h] [--until TIME] [--output FILE]`: a SmokePing-style
// SVG of the ping log (docs/graphs.md), rotated predecessors included when the span reaches
// back before the current file.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { graphOptions } from '../command-line/command-options.js';
import type { CommandContext } from '../command-line/context.js';
import { canonicalHost } from '../config/host.js';
import { ControlError, describeErrno, ExitCode } from '../errors.js';
import { bucketise, type Sample } from '../graphs/buckets.js';
import { filesSince, linesOf } from '../graphs/log-source.js';
import { type Panel, renderGraph } from '../graphs/svg.js';
import { parseLogLine } from '../ping-log/format.js';
import { round3 } from '../probing/ping-result.js';
import { medianOf } from '../probing/recent.js';
import { logFileOf } from './logs.js';

/** Buckets per panel: about one per 4 px of the plot. */
const BUCKETS = 180;

/** Each host's samples in [from, to), from its end lines. */
async function samplesOf(files: string[], host: string | undefined, from: number, to: number) {
  const hosts = new Map<string, Sample[]>();
  for (const file of files) {
    for await (const line of linesOf(file)) {
      const e = parseLogLine(line);
      if (
        e?.event !== 'end' ||
        e.status === undefined ||
        e.time === undefined ||
        e.host === undefined
      )
        continue;
      const time = e.time.getTime();
      if (time < from || time >= to || e.error === 'stopped by shutdown') continue;
      const name = canonicalHost(e.host);
      if (host !== undefined && name !== host) continue;
      const list = hosts.get(name) ?? [];
      if (list.length === 0) hosts.set(name, list);
      list.push({ time, rttMs: e.status === 'up' ? e.rttMs : undefined, lossPct: e.lossPct });
    }
  }
  return hosts;
}

/** One host's panel: its buckets and the figures of its title. */
export function panelOf(host: string, samples: Sample[], from: number, to: number): Panel {
  const replies = samples.filter((s) => s.rttMs !== undefined);
  const losses = samples.flatMap((s) => (s.lossPct === undefined ? [] : [s.lossPct]));
  const median = medianOf(replies.map((s) => s.rttMs as number));
  return {
    host,
    from,
    to,
    buckets: bucketise(samples, from, to, BUCKETS),
    availabilityPct: samples.length ? round3((replies.length / samples.length) * 100) : undefined,
    lossPct: losses.length ? round3(losses.reduce((a, b) => a + b, 0) / losses.length) : undefined,
    medianMs: median === undefined ? undefined : round3(median),
  };
}

export async function graphCommand(context: CommandContext): Promise<number> {
  const options = graphOptions(context.argv, context.typed, Date.now());
  const path = logFileOf(context, options.logFile);
  let files: string[];
  try {
    files = await filesSince(path, options.from);
  } catch (err) {
    throw new ControlError(
      `cannot read ${path}: ${describeErrno(err)}; name the log with --log-file`,
      ExitCode.failure,
    );
  }
  let hosts: Map<string, Sample[]>;
  try {
    hosts = await samplesOf(files, options.host, options.from, options.to);
  } catch (err) {
    throw new ControlError(`cannot read the ping log: ${describeErrno(err)}`, ExitCode.failure);
  }
  const panels = [...hosts].map(([host, samples]) =>
    panelOf(host, samples, options.from, options.to),
  );
  const svg = renderGraph(panels);
  if (options.output === undefined) {
    process.stdout.write(svg);
    return ExitCode.ok;
  }
  const output = resolve(context.invocation.cwd, options.output);
  try {
    writeFileSync(output, svg, { mode: 0o644 });
  } catch (err) {
    throw new ControlError(`cannot write ${output}: ${describeErrno(err)}`, ExitCode.failure);
  }
  process.stderr.write(
    `ping-daemon: wrote ${output} (${panels.length} host${panels.length === 1 ? '' : 's'})\n`,
  );
  return ExitCode.ok;
}
