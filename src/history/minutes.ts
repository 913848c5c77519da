// The minute in progress of each host, as the daemon probes: a Tally per host, closed into one
// step of history when its minute has ended (empty minutes too: "no probe" is not "unknown").
// Pure: the caller says what time it is.
import { Streak, Tally } from '../graphs/tally.js';
import { STEP_S } from './layout.js';

const STEP_MS = STEP_S * 1000;

export interface ClosedStep {
  host: string;
  /** The step's end, seconds since the epoch. */
  end: number;
  tally: Tally;
}

interface Open {
  from: number;
  tally: Tally;
  streak: Streak;
}

export class MinuteBook {
  readonly #hosts = new Map<string, Open>();

  observe(
    host: string,
    time: number,
    rttMs: number | undefined,
    lossPct: number | undefined,
  ): void {
    let open = this.#hosts.get(host);
    if (open === undefined) {
      open = {
        from: Math.floor(time / STEP_MS) * STEP_MS,
        tally: new Tally(),
        streak: new Streak(),
      };
      this.#hosts.set(host, open);
    }
    // A result that comes in after its minute was closed counts in the open one.
    open.tally.add(rttMs, lossPct, open.streak.next(rttMs === undefined));
  }

  /** How many hosts it keeps a minute of. */
  get size(): number {
    return this.#hosts.size;
  }

  /** A host no longer probed: its minute in progress is dropped. */
  retire(host: string): void {
    this.#hosts.delete(host);
  }

  /** The steps that ended at least `graceMs` before `now`, one per host, and a new minute each. */
  close(now: number, graceMs: number): ClosedStep[] {
    const closed: ClosedStep[] = [];
    const current = Math.floor((now - graceMs) / STEP_MS) * STEP_MS;
    for (const [host, open] of this.#hosts) {
      // A minute ahead of the clock: the clock was set back. It is closed now, rather than
      // gathering every result until the clock is past it again.
      if (open.from >= current && open.from <= current + STEP_MS) continue;
      closed.push({ host, end: (open.from + STEP_MS) / 1000, tally: open.tally });
      open.from = current;
      open.tally = new Tally();
    }
    return closed;
  }

  /** When the next minute (plus `graceMs`) ends after `now`. */
  static nextClose(now: number, graceMs: number): number {
    return Math.floor((now - graceMs) / STEP_MS) * STEP_MS + STEP_MS + graceMs;
  }
}
