// One error type for everything that reaches the user. Each subclass carries its exit code, so
// the CLI maps errors to exit codes in exactly one place (cli.ts) and prints one line.

/** Exit codes of docs/command-line.md, including the LSB codes of `status` and `reload`. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** LSB status: the PID file exists but the process is gone. */
  deadWithPidFile: 1,
  notRunning: 3,
  statusUnknown: 4,
  /** LSB: program is not running (used by `reload`). */
  reloadNotRunning: 7,
  /** `graph`, `history rebuild`: done, but a file was skipped (named on stderr). */
  partial: 5,
} as const;

export class PingDaemonError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** A bad command line or option value: exit 2. */
export class UsageError extends PingDaemonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, options);
  }
}

/** A config file that cannot be read, is not JSON, or holds a bad key or value: exit 1. */
export class ConfigError extends PingDaemonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.failure, options);
  }
}

/** Anything in the environment that stops the daemon from starting: exit 1. */
export class StartupError extends PingDaemonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.failure, options);
  }
}

export class AlreadyRunningError extends PingDaemonError {
  readonly pid: number;
  constructor(pid: number, pidFile: string) {
    super(
      `already running (pid ${pid}, PID file ${pidFile}); stop it with 'ping-daemon stop --pid-file ${pidFile}' first`,
      ExitCode.failure,
    );
    this.pid = pid;
  }
}

/** A lifecycle command (`reload`, `stop --timeout`) that could not do its job. */
export class ControlError extends PingDaemonError {}

const errnoText: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ELOOP: 'refusing to follow a symbolic link',
  ENOTREG: 'not a regular file',
  ENXIO: 'not a regular file',
  EEXIST: 'file exists',
  EMLINK: 'has more than one hard link',
  EOWNER: 'belongs to another user',
  EFBIG: 'too large',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EAGAIN: 'resource temporarily unavailable',
  E2BIG: 'argument list too long',
  ESRCH: 'no such process',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'name not found',
  EAI_AGAIN: 'name resolution failed',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate not trusted',
  CERT_HAS_EXPIRED: 'certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate is for another name',
};

/** `EACCES` → `permission denied`: the words an administrator expects, without the errno name. */
export function describeErrno(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string') return errnoText[e.code] ?? e.code.toLowerCase();
  return err instanceof Error ? err.message : String(err);
}

/** The one line printed for an error that is not ours: no stack trace, but the message. */
export function userMessage(err: unknown): string {
  if (err instanceof PingDaemonError) return err.message;
  // An OS call that failed for an expected reason (permission, a missing file): say which and
  // why, in words, rather than "internal error".
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && typeof e.syscall === 'string' && e.code in errnoText) {
    const what = e.path ? `${e.syscall} ${e.path}` : e.syscall;
    return `${what} failed: ${describeErrno(err)}`;
  }
  const text = err instanceof Error ? err.message : String(err);
  return `internal error: ${text.split('\n')[0]}; please report it`;
}

export function exitCodeOf(err: unknown): number {
  return err instanceof PingDaemonError ? err.exitCode : ExitCode.failure;
}
