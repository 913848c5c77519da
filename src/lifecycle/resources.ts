// The files a daemon holds, opened in the order that matters while still root (the ping log, the
// service log, the PID file), then privileges dropped. One owner, one close(); a failed start
// removes the empty logs it created.
import { fchownSync, fstatSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultPidFile } from '../config/options.js';
import type { Settings } from '../config/settings.js';
import { StartupError } from '../errors.js';
import { historyDirProblem } from '../history/store.js';
import { ensurePidDirectory, openOrExplain } from '../ping-log/files.js';
import { LogFile } from '../ping-log/log-file.js';
import {
  descriptorLost,
  type Logger,
  openServiceLog,
  reopenFailure,
  type ServiceLog,
} from '../telemetry/service-log.js';
import { acquirePidFile, otherWriter, type PidFileState, releasePidFile } from './pid-file.js';
import { dropPrivileges, type Identity, resolveIdentity, writableBy } from './privileges.js';
import { statFields } from './proc.js';
import { removeState, stateFilePath } from './state-file.js';

export interface Resources {
  pingLog: LogFile;
  serviceLog: ServiceLog;
  /** What keeps history from being written in --history-dir, if anything. */
  historyProblem: string | undefined;
  /** The stale PID file replaced, if one was. */
  replaced: PidFileState | undefined;
  /** Reopens both logs (rotation); returns the failures (those old files stay open and written). */
  reopen(): string[];
  close(): void;
  /** Closes, and removes the logs this start created while still empty (a failed start). */
  abandon(): void;
}

/** Removes a log this start created, if nothing was written to it. */
function removeIfEmpty(file: LogFile): void {
  try {
    if (file.created && fstatSync(file.fd).size === 0) unlinkSync(file.path);
  } catch {
    // gone already
  }
}

/**
 * Whatever the daemon writes after dropping root must be writable by the user it becomes: the
 * state file (beside the PID file) every second, the logs at every reopen. Refused at start,
 * with the path, rather than failing every second for months.
 */
function checkWritableAfterDrop(settings: Settings, who: Identity, files: LogFile[]): void {
  const pidDir = dirname(settings.pidFile);
  if (!writableBy(who, pidDir)) {
    throw new StartupError(
      `--user ${who.name} cannot write ${pidDir}, where the PID file and the state file go; ` +
        `choose a --pid-file in a directory ${who.name} can write (e.g. /run/ping-daemon/, owned by ${who.name})`,
    );
  }
  for (const file of files) {
    if (!writableBy(who, file.path)) {
      const flag = file.path === settings.logFile ? '--log-file' : '--service-log';
      throw new StartupError(
        `--user ${who.name} cannot write ${file.path}; make it writable by ${who.name} or choose another path with ${flag}`,
      );
    }
  }
}

/**
 * Opens the files in the order that matters: the logs and the PID file while still root, then
 * drops privileges. Logs this start created are handed to the daemon's user, so that it can
 * reopen them and logrotate's `create` gives their successors the same owner. If a step fails,
 * the steps before it are undone.
 */
export function openResources(settings: Settings): Resources {
  const undo: (() => void)[] = [];
  const close = (): void => {
    for (const step of undo.splice(0).reverse()) step();
  };
  const created: LogFile[] = [];
  const abandon = (): void => {
    for (const file of created) removeIfEmpty(file);
    close();
  };
  let logger: Logger | undefined;
  const warn = {
    // A directory gone (its filesystem unmounted) leaves lines where nobody can read them.
    reopenFailed: (path: string, err: unknown) =>
      logger?.[(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'error' : 'warn'](
        { err },
        reopenFailure(path, err),
      ),
  };
  try {
    const who = resolveIdentity(settings.user, settings.group);
    const pingLog = openOrExplain(
      settings.logFile,
      '--log-file',
      () =>
        new LogFile(settings.logFile, {
          onReopenError: (err) => err !== undefined && warn.reopenFailed(settings.logFile, err),
          onDescriptorLost: (fd) => logger?.error({ fd }, descriptorLost(settings.logFile, fd)),
          onOtherFilesystem: () =>
            logger?.warn(
              `${settings.logFile} is now on another filesystem than the file written before (was that one unmounted?); writing there`,
            ),
        }),
    );
    created.push(pingLog);
    undo.push(() => pingLog.close());
    const serviceLog = openOrExplain(settings.serviceLog ?? 'stderr', '--service-log', () =>
      openServiceLog(settings.serviceLog, settings.logLevel),
    );
    logger = serviceLog.logger;
    if (serviceLog.file) created.push(serviceLog.file);
    undo.push(() => serviceLog.close());
    const { fd: pidFd, replaced } = openOrExplain(settings.pidFile, '--pid-file', () => {
      const place = { uid: process.getuid?.() ?? -1 };
      ensurePidDirectory(settings.pidFile, settings.pidFile === defaultPidFile(place));
      return acquirePidFile(settings.pidFile);
    });
    undo.push(() => {
      removeState(stateFilePath(settings.pidFile), process.pid);
      releasePidFile(settings.pidFile, process.pid, pidFd);
    });
    refuseSharedLog(settings.logFile);
    if (who !== undefined) {
      const files = serviceLog.file ? [pingLog, serviceLog.file] : [pingLog];
      for (const file of files) if (file.created) fchownSync(file.fd, who.uid, who.gid);
      checkWritableAfterDrop(settings, who, files);
    }
    // Made while still root and handed to the daemon's user, like the logs it creates.
    const historyProblem =
      settings.historyDir === undefined
        ? undefined
        : historyDirProblem(
            settings.historyDir,
            who?.uid ?? process.geteuid?.() ?? 0,
            who?.gid ?? process.getegid?.() ?? 0,
          );
    dropPrivileges(who, settings.user);
    const reopen = (): string[] => {
      const problems: string[] = [];
      const files: [string, { reopen(): void }][] = [[settings.logFile, pingLog]];
      if (settings.serviceLog !== undefined) files.push([settings.serviceLog, serviceLog]);
      for (const [path, file] of files) {
        try {
          file.reopen();
        } catch (err) {
          warn.reopenFailed(path, err);
          problems.push(reopenFailure(path, err));
        }
      }
      return problems;
    };
    return { pingLog, serviceLog, replaced, historyProblem, reopen, close, abandon };
  } catch (err) {
    abandon();
    throw err;
  }
}

/**
 * Two daemons on one log interleave their lines, whatever PID files they were given. Checked
 * once our log and PID file are open, so that two starting at once see each other: the later
 * one (by start time, then PID) gives way.
 */
function refuseSharedLog(logFile: string): void {
  // A writer without a PID file is starting too (or failing): give it a second to take one.
  const deadline = performance.now() + 1000;
  let writer = otherWriter(logFile);
  while (writer?.pidFile === undefined && writer !== undefined && performance.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    writer = otherWriter(logFile);
  }
  if (writer?.pidFile === undefined || !startedBefore(writer.pid, process.pid)) return;
  throw new StartupError(
    `another ping-daemon (pid ${writer.pid}, PID file ${writer.pidFile}) already writes ${logFile}; stop it first (ping-daemon stop --pid-file ${writer.pidFile}), or choose another --log-file`,
  );
}

/** Whether process `a` started before `b` (their start times in /proc, then their PIDs). */
function startedBefore(a: number, b: number): boolean {
  const start = (pid: number): number => {
    try {
      return Number(statFields(pid)[19]);
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  };
  const [x, y] = [start(a), start(b)];
  return x < y || (x === y && a < b);
}
