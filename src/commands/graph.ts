// `ping-daemon graph`: SVG of the span asked for (docs/graphs.md). A thin shell: the history
// when there is one, else the ping log (graphs/ sources), buckets, then the drawing; written to
// stdout or, with -o, by replacing the file (never through a link).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type GraphOptions, graphOptions, OVERVIEW_FROM } from '../command-line/command-options.js';
import type { CommandContext } from '../command-line/context.js';
import { ControlError, describeErrno, ExitCode } from '../errors.js';
import { eachHistory, hostMatcher, readHistory } from '../graphs/archive-source.js';
import type { Frame } from '../graphs/buckets.js';
import { readLog } from '../graphs/log-source.js';
import {
  GRAPH,
  overviewDocument,
  overviewRow,
  type Panel,
  renderGraph,
  renderOverview,
} from '../graphs/svg.js';
import { findRrdtool, HistoryStore } from '../history/store.js';
import { writeReplacing } from '../ping-log/files.js';
import { daemonFilesOf, historyDirFor } from './logs.js';

/** Buckets of a panel: one per 2 px of its plot; of an overview row, one per 2 px of cells. */
const PANEL_COLUMNS = Math.floor((GRAPH.width - GRAPH.left - GRAPH.right) / 2);
const OVERVIEW_COLUMNS = 300;

const note = (text: string): void => {
  process.stderr.write(`ping-daemon: ${text}\n`);
};

/** The history to read: --history-dir, else the one beside the log, if it holds anything. */
function historyOf(options: GraphOptions, dir: string | undefined): HistoryStore | undefined {
  if (options.source === 'log') return undefined;
  const rrdtool = findRrdtool();
  const usable = dir !== undefined && existsSync(dir) && rrdtool !== undefined;
  if (!usable || dir === undefined || rrdtool === undefined) {
    if (options.source === 'history') {
      throw new ControlError(
        rrdtool === undefined
          ? 'rrdtool not found; install it (apt-get install rrdtool) to read history'
          : `no history in ${dir ?? '(off)'}; build it with 'ping-daemon history rebuild', or drop --source history`,
        ExitCode.failure,
      );
    }
    return undefined;
  }
  const store = new HistoryStore(dir, rrdtool);
  if (store.hosts().length === 0 && options.source !== 'history') return undefined;
  return store;
}

export async function graphCommand(context: CommandContext): Promise<number> {
  const options = graphOptions(context.argv, context.typed, Date.now());
  const files = daemonFilesOf(context, options.logFile);
  const path = files.logFile;
  const store = historyOf(
    options,
    historyDirFor(options.historyDir, files, context.invocation.cwd),
  );
  const wanted = hostMatcher(options.hosts);
  const overviewWanted = options.overview;
  let frames = new Map<string, Frame>();
  let skipped: string[] = [];
  /** An overview read from the history is drawn row by row: one host's frame at a time. */
  let rows: string[] | undefined;
  if (store) {
    try {
      const hosts = store.hosts().filter(wanted);
      if (overviewWanted || hosts.length > OVERVIEW_FROM) {
        const drawn: string[] = [];
        await eachHistory(store, hosts, options.from, options.to, OVERVIEW_COLUMNS, (host, frame) =>
          drawn.push(overviewRow({ host, frame }, drawn.length)),
        );
        rows = drawn;
      } else {
        frames = await readHistory(store, hosts, options.from, options.to, PANEL_COLUMNS);
      }
    } catch (err) {
      throw new ControlError(
        `cannot read the history in ${store.dir}: ${describeErrno(err)}`,
        ExitCode.failure,
      );
    } finally {
      await store.close();
    }
  } else {
    const columns = overviewWanted ? OVERVIEW_COLUMNS : PANEL_COLUMNS;
    const read = await readLog(path, wanted, options.from, options.to, columns);
    if (!read.found) {
      throw new ControlError(
        `no ping log at ${path} and no history beside it; name the log with --log-file`,
        ExitCode.failure,
      );
    }
    frames = read.frames;
    skipped = read.skipped;
    for (const problem of skipped) note(`skipped ${problem}`);
  }
  // The same hosts always come in the same order: by name.
  const panels: Panel[] = [...frames]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([host, frame]) => ({ host, frame }));
  const count = rows?.length ?? panels.length;
  const overview = rows !== undefined || overviewWanted || panels.length > OVERVIEW_FROM;
  if (overview && !overviewWanted) {
    note(`${count} hosts: drawn as an overview, one row each (--host to pick)`);
  }
  const svg =
    rows !== undefined
      ? rows.length > 0
        ? overviewDocument(rows, options.from, options.to)
        : renderGraph([])
      : overview
        ? renderOverview(panels)
        : renderGraph(panels, { scale: options.scale });
  const code = skipped.length > 0 ? ExitCode.partial : ExitCode.ok;
  if (options.output === undefined) {
    process.stdout.write(svg);
    return code;
  }
  const output = resolve(context.invocation.cwd, options.output);
  try {
    writeReplacing(output, svg);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ELOOP'
        ? 'it is a symbolic link; graph never writes through a link: remove it or choose another -o'
        : code === 'EISDIR'
          ? 'it is not a regular file; choose another -o'
          : describeErrno(err);
    throw new ControlError(`cannot write ${output}: ${why}`, ExitCode.failure);
  }
  note(
    `wrote ${output} (${count} host${count === 1 ? '' : 's'}, from ${store ? 'the history' : 'the ping log'})`,
  );
  return code;
}
