// systemd's journal on stderr: recognised, so that each line carries its syslog priority
// (sd-daemon(3) `<N>` prefixes) and `journalctl -p warning` shows what matters.
import { fstatSync } from 'node:fs';

/**
 * Whether stderr is the journal: systemd sets JOURNAL_STREAM to the `device:inode` of the stream
 * it connected, which stays set in children whose stderr goes elsewhere, so it is compared.
 */
export function isJournal(
  journalStream: string | undefined,
  stderr: { dev: number; ino: number },
): boolean {
  if (!journalStream) return false;
  const [dev, ino] = journalStream.split(':');
  return Number(dev) === stderr.dev && Number(ino) === stderr.ino;
}

/** sd-daemon(3) priority of a pino line: `<6>` for info, `<4>` for warn, … */
export function journalPriority(line: string): number {
  const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 30);
  if (level >= 60) return 2;
  if (level >= 50) return 3;
  if (level >= 40) return 4;
  if (level >= 30) return 6;
  return 7;
}

export function stderrIsJournal(): boolean {
  try {
    return isJournal(process.env.JOURNAL_STREAM, fstatSync(2));
  } catch {
    return false;
  }
}

/** `<3>` (error) before a line on stderr when stderr is the journal, else nothing. */
export function errorPrefix(): string {
  return stderrIsJournal() ? '<3>' : '';
}
