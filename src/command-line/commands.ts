// The command names, apart from the parser, for what must know them before yargs is loaded.

export const COMMANDS = [
  'start',
  'run',
  'stop',
  'status',
  'restart',
  'reload',
  'logs',
  'install-service',
  'notify-test',
  'graph',
  'history',
  'completion',
] as const;

/**
 * Whether `args` most likely start the daemon (`start`, the default command): a guess made
 * before parsing, so that the daemon's Node can boot while the command line is read. A wrong
 * guess costs only that boot (docs/starting.md).
 */
export function looksLikeStart(args: string[]): boolean {
  const first = args[0];
  if (first === undefined) return false; // bare: usage
  if (args.some((a) => /^(-h|--help|--version|--get-yargs-completions|--)$/.test(a))) return false;
  const commands: readonly string[] = COMMANDS;
  if (first === 'start') return !args.slice(1).some((a) => commands.includes(a));
  return first.startsWith('-') && !args.some((a) => commands.includes(a));
}
