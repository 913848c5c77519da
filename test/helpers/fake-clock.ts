// A monotonic clock and timers under the test's control: advance() runs, in time order, every
// timer that falls due, with now() at the timer's time (plus any lateness the test injects).
import type { Clock, Timers } from '../../src/probing/schedule.js';

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

export class FakeClock implements Clock, Timers {
  #now = 1000;
  #nextId = 1;
  #pending: Pending[] = [];
  /** Added to every timer's firing time: an event loop that runs timers late. */
  lateness = 0;

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#pending.push({ id, at: this.#now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending = this.#pending.filter((p) => p.id !== handle);
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      this.#pending.sort((a, b) => a.at - b.at);
      const next = this.#pending[0];
      if (!next || next.at + this.lateness > end) break;
      this.#pending.shift();
      this.#now = Math.max(this.#now, next.at + this.lateness);
      next.fn();
    }
    this.#now = end;
  }

  /** Jumps the clock without running timers: a suspended machine. */
  jump(ms: number): void {
    this.#now += ms;
  }
}
