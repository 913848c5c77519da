// Lines put together in one reused buffer and written with one write(): the ping log's lines are
// made a piece at a time (a marker, a time, a host, numbers), and joining the pieces as strings
// made some twenty short-lived strings a probe, then a flat copy of all of them, then the bytes
// written. Here each piece is copied once, into bytes, and a number's digits are written without
// a string made for them. At 100 hosts that was a third of what the fleet prober allocated, and
// V8, at that pace of allocation, gives back and takes again the young generation's pages: each
// KB allocated costs a page fault (docs/performance.md).

/** What a buffer starts at, and goes back to after a burst needed more. */
const SIZE = 64 * 1024;

export class LineBuffer {
  #bytes: Buffer;
  #length = 0;

  constructor(size = SIZE) {
    this.#bytes = Buffer.allocUnsafe(size);
  }

  get length(): number {
    return this.#length;
  }

  /** What was put since the last clear, as a view of the buffer (valid until the next put). */
  view(): Buffer {
    return this.#bytes.subarray(0, this.#length);
  }

  /** Starts again, empty; a buffer grown for a burst (a loop's backlog) is not kept. */
  clear(): void {
    this.#length = 0;
    if (this.#bytes.length > 16 * SIZE) this.#bytes = Buffer.allocUnsafe(SIZE);
  }

  /** Text, as UTF-8. */
  put(text: string): void {
    const n = text.length;
    // A UTF-16 unit is at most 3 bytes of UTF-8.
    this.#room(3 * n);
    const bytes = this.#bytes;
    let at = this.#length;
    for (let i = 0; i < n; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        // Beyond ASCII (a name or an error in another script): Node encodes the rest.
        this.#length = at + bytes.write(text.slice(i), at, 'utf8');
        return;
      }
      bytes[at++] = code;
    }
    this.#length = at;
  }

  /** A number as `String(n)` writes it; a whole one without making that string. */
  number(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) {
      this.put(String(n));
      return;
    }
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    this.#room(digits);
    let at = this.#length + digits;
    this.#length = at;
    let rest = n;
    do {
      this.#bytes[--at] = 48 + (rest % 10);
      rest = Math.floor(rest / 10);
    } while (rest > 0);
  }

  toString(): string {
    return this.#bytes.toString('utf8', 0, this.#length);
  }

  #room(n: number): void {
    const need = this.#length + n;
    if (need <= this.#bytes.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(need, 2 * this.#bytes.length));
    this.#bytes.copy(bigger, 0, 0, this.#length);
    this.#bytes = bigger;
  }
}
