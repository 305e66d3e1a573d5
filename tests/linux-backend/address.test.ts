import { describe, expect, it } from 'vitest';
import { formatUtmpAddress } from '../../src/backend/linux/address.ts';

function bytesOf(groups: number[]): Uint8Array {
  const b = new Uint8Array(16);
  groups.forEach((g, i) => {
    b[2 * i] = g >> 8;
    b[2 * i + 1] = g & 0xff;
  });
  return b;
}

describe('formatUtmpAddress', () => {
  it('refuses anything but the 16 bytes of ut_addr_v6', () => {
    expect(() => formatUtmpAddress(new Uint8Array(4))).toThrow(new RangeError('ut_addr_v6 must be 16 bytes, got 4'));
  });

  it('gives null for all zero (a local session)', () => {
    expect(formatUtmpAddress(new Uint8Array(16))).toBeNull();
  });

  it('reads IPv4 from the first int32 in network byte order', () => {
    expect(formatUtmpAddress(Uint8Array.from([192, 168, 1, 20, ...new Array(12).fill(0)]))).toBe('192.168.1.20');
    expect(formatUtmpAddress(Uint8Array.from([10, 0, 0, 0, ...new Array(12).fill(0)]))).toBe('10.0.0.0');
  });

  it('shows an IPv4-mapped IPv6 address as IPv4', () => {
    expect(formatUtmpAddress(bytesOf([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201]))).toBe('192.0.2.1');
  });

  it('shows as IPv6 what only looks like a mapped address (ffff elsewhere, half of it, or after a prefix)', () => {
    expect(formatUtmpAddress(bytesOf([0x2001, 0xdb8, 0, 0, 0, 0xffff, 0xc000, 0x0201]))).toBe('2001:db8::ffff:c000:201');
    expect(formatUtmpAddress(bytesOf([0, 0, 0, 0, 0, 0x00ff, 0xc000, 0x0201]))).toBe('::ff:c000:201');
    expect(formatUtmpAddress(bytesOf([0, 0, 0, 0, 0, 0xff00, 0xc000, 0x0201]))).toBe('::ff00:c000:201');
    expect(formatUtmpAddress(bytesOf([0, 0, 0, 0, 0xffff, 0, 0xc000, 0x0201]))).toBe('::ffff:0:c000:201');
  });

  it('formats IPv6 in RFC 5952 form', () => {
    expect(formatUtmpAddress(bytesOf([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]))).toBe('2001:db8::1');
    expect(formatUtmpAddress(bytesOf([0, 0, 0, 0, 0, 0, 0, 1]))).toBe('::1');
    expect(formatUtmpAddress(bytesOf([0xfe80, 0, 0, 0, 0x1, 0, 0, 0]))).toBe('fe80::1:0:0:0');
    expect(formatUtmpAddress(bytesOf([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]))).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatUtmpAddress(bytesOf([0x2001, 0, 0, 1, 0, 0, 0, 1]))).toBe('2001:0:0:1::1');
    expect(formatUtmpAddress(bytesOf([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]))).toBe('2001:db8::1:0:0:1');
    expect(formatUtmpAddress(bytesOf([0xabcd, 0, 1, 0, 0, 0, 0, 0]))).toBe('abcd:0:1::');
    expect(formatUtmpAddress(bytesOf([0xabcd, 0, 0, 0, 0, 0, 1, 0]))).toBe('abcd::1:0');
  });

  it('reads an address whose last 12 bytes are zero as IPv4, as glibc stores IPv4 (ut_addr = ut_addr_v6[0])', () => {
    expect(formatUtmpAddress(bytesOf([0xabcd, 0x0102, 0, 0, 0, 0, 0, 0]))).toBe('171.205.1.2');
  });

  it('agrees with the WHATWG URL serializer on random IPv6 addresses', () => {
    for (let i = 0; i < 2000; i++) {
      // Mostly zero groups, so that runs of zeros of every length occur.
      const groups = Array.from({ length: 8 }, () => (Math.random() < 0.5 ? 0 : Math.floor(Math.random() * 0x10000)));
      groups[0] = groups[0] || 0x2001; // keep clear of the IPv4-mapped case...
      if (groups.slice(2).every((g) => g === 0)) groups[5] = 1; // ...and of the IPv4 one
      const text = formatUtmpAddress(bytesOf(groups));
      expect(text).toBe(new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1));
    }
  });
});
