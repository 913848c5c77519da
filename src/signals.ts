// The daemon's signal handlers (SPEC §5), in one place. SIGTERM and SIGINT ask for a graceful
// stop, a second one for an immediate exit; SIGHUP asks for a reload.

export interface SignalActions {
  stop(signal: NodeJS.Signals): void;
  stopNow(signal: NodeJS.Signals): void;
  reload(): void;
}

/** Installs the handlers; returns the function that removes them. */
export function installSignalHandlers(actions: SignalActions): () => void {
  let stopping = false;
  const onStop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      actions.stopNow(signal);
      return;
    }
    stopping = true;
    actions.stop(signal);
  };
  const onReload = (): void => actions.reload();
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onReload);
  return () => {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onReload);
  };
}
