// How every process of ours ends, the daemon and each command.

/**
 * Ends the process with `code` by letting the event loop run empty rather than by
 * process.exit(). On Node 24 and 26, process.exit() can hang for ever: it shuts V8's worker
 * threads down without disposing of the isolate, and a compiler thread that is waiting for a
 * garbage collection only the main thread can run is then never released (nodejs/node#54918;
 * `npm run bench:exits` saw 6 `status` in 600 hang so on busy cores). The loop's natural end
 * disposes of the isolate first, which releases such threads. A process still held by a handle
 * nobody owns any more (a daemon that has stopped must not linger) is ended by process.exit()
 * after EXIT_LINGER_MS.
 */
export function endProcess(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_LINGER_MS).unref();
}

/** How long a finished process may stay alive for a handle it forgot to close. */
const EXIT_LINGER_MS = 1000;
