// `ping-daemon history rebuild [--log-file FILE] [--history-dir DIR]`: the consolidated history
// made anew from the ping log and its rotated predecessors (docs/graphs.md).
import { existsSync, mkdirSync } from 'node:fs';
import type { CommandContext } from '../command-line/context.js';
import { ControlError, describeErrno, ExitCode } from '../errors.js';
import { allFiles } from '../graphs/log-source.js';
import { rebuildHistory } from '../history/rebuild.js';
import { findRrdtool } from '../history/store.js';
import { daemonFilesOf, historyDirFor } from './logs.js';

export async function historyCommand(context: CommandContext): Promise<number> {
  const { argv } = context;
  const named = typeof argv.logFile === 'string' ? argv.logFile : undefined;
  const daemon = daemonFilesOf(context, named);
  const logFile = daemon.logFile;
  const dir = historyDirFor(argv.historyDir, daemon, context.invocation.cwd);
  if (dir === undefined)
    throw new ControlError('--history-dir off: nothing to rebuild', ExitCode.usage);
  const rrdtool = findRrdtool();
  if (rrdtool === undefined) {
    throw new ControlError(
      'rrdtool not found; install it (apt-get install rrdtool)',
      ExitCode.failure,
    );
  }
  if (allFiles(logFile).length === 0) {
    throw new ControlError(
      `no ping log at ${logFile} (nor rotated ones); name it with --log-file`,
      ExitCode.failure,
    );
  }
  try {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new ControlError(`cannot make ${dir}: ${describeErrno(err)}`, ExitCode.failure);
  }
  const started = performance.now();
  let result: Awaited<ReturnType<typeof rebuildHistory>>;
  try {
    result = await rebuildHistory(logFile, dir, rrdtool);
  } catch (err) {
    throw new ControlError(
      `cannot rebuild the history in ${dir}: ${describeErrno(err)}`,
      ExitCode.failure,
    );
  }
  for (const problem of result.skipped) process.stderr.write(`ping-daemon: skipped ${problem}\n`);
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `ping-daemon: history of ${result.hosts} host${result.hosts === 1 ? '' : 's'} rebuilt in ${dir} from ${result.files.length} file${result.files.length === 1 ? '' : 's'}: ${result.probes} probes in ${seconds.toFixed(1)} s\n`,
  );
  return result.skipped.length > 0 ? ExitCode.partial : ExitCode.ok;
}
