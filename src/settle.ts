// Waiting with a limit: what a stop does with work it cannot let hold it up (deliveries, a child's
// exit, the history's last writes).

/**
 * Waits until `work` settles (a failure too) or `ms` have passed, whichever comes first; true
 * when the work settled in time. The timer is cleared either way; `unref` lets the process exit
 * meanwhile when nothing else keeps it.
 */
export async function settleWithin(
  work: Promise<unknown> | undefined,
  ms: number,
  { unref = false }: { unref?: boolean } = {},
): Promise<boolean> {
  if (work === undefined) return true;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    if (unref) timer.unref();
  });
  const settled = work.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
