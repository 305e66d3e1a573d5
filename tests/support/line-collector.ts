/**
 * Collects a child's stdout as lines (LF-separated; a CR before the LF is dropped) and lets a test
 * wait, with a bound, until something changes. Shared by the test clients that speak
 * line-delimited JSON-RPC to the helper (tests/helper/support.ts, tests/support/wine.ts).
 */
export class LineCollector {
  /** Every complete line so far, without its line ending, in order. */
  readonly lines: string[] = [];
  private pending: Buffer[] = [];
  private readonly waiters = new Set<() => void>();

  /** `keep`: a line for which it returns false is not collected. */
  constructor(private readonly keep: (line: string) => boolean = () => true) {}

  /** Bytes after the last LF: a partial line. */
  get partial(): Buffer {
    return Buffer.concat(this.pending);
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) {
        if (start < chunk.length) this.pending.push(chunk.subarray(start));
        break;
      }
      this.pending.push(chunk.subarray(start, nl));
      const line = Buffer.concat(this.pending).toString('utf8').replace(/\r$/, '');
      if (this.keep(line)) this.lines.push(line);
      this.pending = [];
      start = nl + 1;
    }
    this.wake();
  }

  /** Wakes every waiter (a line arrived, or the process exited). */
  wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves when something happens (wake()) or after `ms`. */
  changed(ms: number): Promise<void> {
    return new Promise((resolveWait) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolveWait();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }
}
