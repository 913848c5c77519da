// What the command line hands a command: the parsed arguments and ways to read the settings.
// Its own module, so that commands and the parser that loads them do not import each other.
import type { Place } from '../config/options.js';
import type { Mode, Settings } from '../config/settings.js';

export type Action = () => Promise<number>;

/** yargs reads the environment from process.env itself, so it is not part of an invocation. */
export interface Invocation {
  args: string[];
  uid: number;
  /** Where relative paths are resolved: the user's directory, even in the daemon (cwd `/`). */
  cwd: string;
}

/** What a command handler receives: its parsed argv and a way to parse everything again. */
export interface CommandContext {
  argv: Record<string, unknown>;
  invocation: Invocation;
  /**
   * Settings for `mode` from the command line, environment and config file, read anew; from
   * another command line when given one (`restart` runs the daemon's own again).
   */
  settings(mode: Mode, from?: Invocation): Settings;
  /** The PID file, for commands that need nothing else. */
  pidFile(): string;
  /**
   * Whether one of `flags` was typed on this command line. `logs --host` (a filter) and
   * `stop --timeout` (a wait) share their names with service options, so the values the
   * environment or config file give those options are not theirs.
   */
  typed(...flags: string[]): boolean;
  place: Place;
}
