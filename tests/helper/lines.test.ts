/**
 * The helper's line splitter (src/helper/lines.ts), on its own: the frames a byte stream holds, a
 * CR before the LF dropped, and a line over the cap reported once with its length, also when it
 * spans chunks or ends the input.
 */
import { describe, expect, it } from 'vitest';
import { LineSplitter, type LineEvent } from '../../src/helper/lines.ts';

/** Events as plain data: a line's text, or an oversize line's byte count. */
const shown = (events: LineEvent[]) => events.map((e) => (e.kind === 'line' ? e.bytes.toString('latin1') : { oversize: e.bytes }));
const feed = (s: LineSplitter, text: string) => shown(s.push(Buffer.from(text, 'latin1')));

describe('LineSplitter', () => {
  it('gives one event per LF, in order, and nothing for a chunk without one', () => {
    const s = new LineSplitter(100);
    expect(feed(s, '')).toEqual([]);
    expect(feed(s, 'ab')).toEqual([]);
    expect(feed(s, 'c\n\nde\nf')).toEqual(['abc', '', 'de']);
    expect(shown(s.end())).toEqual(['f']);
  });

  it('gives nothing at the end when no partial line is left', () => {
    const s = new LineSplitter(100);
    expect(feed(s, 'a\n')).toEqual(['a']);
    expect(shown(s.end())).toEqual([]);
    expect(shown(new LineSplitter(100).end())).toEqual([]);
  });

  it('drops one CR before the LF, and counts it as allowed past the cap', () => {
    const s = new LineSplitter(4);
    expect(feed(s, '1234\r\nab\r\r\n')).toEqual(['1234', 'ab\r']);
  });

  it('reports a line over the cap once with its length, within a chunk or across chunks, and goes on after it', () => {
    const s = new LineSplitter(4);
    expect(feed(s, '12345\n')).toEqual([{ oversize: 5 }]);
    expect(feed(s, '123456\nok\n')).toEqual([{ oversize: 6 }, 'ok']);
    expect(feed(s, '123')).toEqual([]);
    expect(feed(s, '4567')).toEqual([]);
    expect(feed(s, '89\nnext\n')).toEqual([{ oversize: 9 }, 'next']);
  });

  it('counts a line dropped as it streams in as received, its CR included', () => {
    const s = new LineSplitter(4);
    // Past the cap plus a CR's byte, the line is dropped before its end is seen.
    expect(feed(s, '12345\r\n')).toEqual([{ oversize: 6 }]);
    expect(feed(s, '123')).toEqual([]);
    expect(feed(s, '45\r\n')).toEqual([{ oversize: 6 }]);
  });

  it('reports an oversize last line without a LF at the end', () => {
    const s = new LineSplitter(4);
    expect(feed(s, '1234567')).toEqual([]);
    expect(shown(s.end())).toEqual([{ oversize: 7 }]);
    expect(shown(s.end())).toEqual([]);
  });
});
