/**
 * What Send-UserSessionMessage writes to a Linux terminal (src/backend/linux/message.ts): write(1)'s
 * banner, the title and text with every control character shown as ^X / M-^X / ^? (so that no
 * escape sequence, bell or cursor movement reaches the user's terminal), CR LF line ends, EOF.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { terminalMessage, visibleText } from '../../src/backend/linux/message.ts';

describe('visibleText', () => {
  it('shows C0 controls as ^@..^_, DEL as ^?, C1 as M-^@..M-^_, and keeps tab, newline and printable text', () => {
    expect(visibleText('\u0000\u0001\u0007\u0008\u000b\u000c\u000d\u001b\u001f')).toBe('^@^A^G^H^K^L^M^[^_');
    expect(visibleText('\u007f\u0080\u009b\u009f')).toBe('^?M-^@M-^[M-^_');
    expect(visibleText('tab\there\nnext line, é, \u00a0, \u{1f600}')).toBe('tab\there\nnext line, é, \u00a0, \u{1f600}');
  });

  it('turns an OSC title change and a CSI clear-screen into plain text', () => {
    expect(visibleText('\u001b]0;pwned\u0007\u001b[2J')).toBe('^[]0;pwned^G^[[2J');
  });
});

describe('terminalMessage', () => {
  const at = new Date(2026, 11, 1, 9, 5, 0);

  it('is the banner, the title, each line of the text, and EOF, with CR LF line ends', () => {
    const text = terminalMessage({ Text: 'one\ntwo\r\nthree', Title: 'Maintenance', Buttons: null }, 'root', 'pts/3', at);
    expect(text).toBe(`\r\n\u0007Message from root@${hostname()} on pts/3 at 09:05 ...\r\nMaintenance\r\none\r\ntwo\r\nthree\r\nEOF\r\n`);
  });

  it('has no title line without a title, and the title cannot carry control characters either', () => {
    expect(terminalMessage({ Text: 'hi', Title: null, Buttons: 'OK' }, 'ann', 'tty1', at)).toBe(`\r\n\u0007Message from ann@${hostname()} on tty1 at 09:05 ...\r\nhi\r\nEOF\r\n`);
    expect(terminalMessage({ Text: 'hi', Title: '\u001b[31mred', Buttons: null }, 'ann', 'tty1', at)).toContain('\r\n^[[31mred\r\n');
  });
});
