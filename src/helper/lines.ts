/**
 * Splits a byte stream into lines (LF, with an optional CR before it), with a cap on line length:
 * a longer line is dropped as it streams in and reported once, so a runaway sender cannot exhaust
 * memory.
 */
export type LineEvent = { kind: 'line'; bytes: Buffer } | { kind: 'oversize'; bytes: number };

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private dropping = false;
  private dropped = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): LineEvent[] {
    const events: LineEvent[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      this.take(chunk.subarray(start, end));
      if (nl < 0) break;
      events.push(this.finish());
      start = nl + 1;
    }
    return events;
  }

  /** At end of input: the last line if it had no newline. */
  end(): LineEvent[] {
    return this.size > 0 || this.dropping ? [this.finish()] : [];
  }

  private take(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.dropping) { this.dropped += piece.length; return; }
    // One byte over the cap may be the CR of a CRLF line ending, which is not part of the frame.
    if (this.size + piece.length > this.maxBytes + 1) {
      this.dropping = true;
      this.dropped = this.size + piece.length;
      this.parts = [];
      this.size = 0;
      return;
    }
    this.parts.push(Buffer.from(piece));
    this.size += piece.length;
  }

  private finish(): LineEvent {
    if (this.dropping) {
      const bytes = this.dropped;
      this.dropping = false;
      this.dropped = 0;
      return { kind: 'oversize', bytes };
    }
    let line = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    if (line.length > this.maxBytes) return { kind: 'oversize', bytes: line.length };
    return { kind: 'line', bytes: line };
  }
}
