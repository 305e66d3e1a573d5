/**
 * WTS_CLIENT_ADDRESS (WTSClientAddress) to text (wts-api.md 3.6). AddressFamily uses the Windows
 * values (AF_INET6 is 23 there, 10 on Linux), so they are spelled here, never taken from Node.
 */

import { formatIpv4, formatIpv6 } from '../ip-text.ts';

export const AF_INET = 2;
export const AF_INET6 = 23;

/** IPv4: Address[2..5], network order (Microsoft's docs, Cassia and the WTS_INFO_CLASS page agree). */
const IPV4_OFFSET = 2;
/**
 * IPv6: Address[2..17]. wts-api.md 7.1 leaves this open: Microsoft's WTS_CLIENT_ADDRESS page shows
 * "FFFF::1" from Address[0], Cassia reads from Address[2]. The deciding evidence is a real dump in
 * Microsoft KB951422 ("WTSQuerySessionInformation on a Windows Server 2008-based terminal server
 * returns ambiguous IPv6 address data"): for fe80::385f:e84b:ac02:f69c the Address bytes were
 * "00 00 FE 80 00 00 38 5F ...", i.e. the address starts at Address[2], as IPv4's does. (That KB
 * is about a 2008 defect that dropped zero groups, fixed by a hotfix; the offset is what counts
 * here.) Not checked against a current Windows here; the test double uses the same reading.
 */
const IPV6_OFFSET = 2;

/** The client address as text; null for AF_UNSPEC (console sessions) and for families not IP. */
export function formatClientAddress(family: number, address: Uint8Array): string | null {
  if (family === AF_INET) return formatIpv4(address.subarray(IPV4_OFFSET, IPV4_OFFSET + 4));
  if (family === AF_INET6) return formatIpv6(address.subarray(IPV6_OFFSET, IPV6_OFFSET + 16));
  return null;
}

/** The UTF-16 units of the dotted-quad text. */
const DOT = 0x2e;
const DIGIT_0 = 0x30;

/**
 * WTSCLIENTW.ClientAddress (WTSClientInfo, wts-api.md 3.7) to text. Microsoft's WTSCLIENT remarks
 * say AF_INET comes "in string format, for example 127.0.0.1" and AF_INET6 "in binary form",
 * without saying where in the USHORT array the binary form starts.
 * - AF_INET: the UTF-16 text up to its NUL, accepted only as a dotted quad: four numbers 0-255 of
 *   one to three ASCII digits, none with a leading zero (so the text is already the canonical one
 *   that formatIpv4 writes), read here unit by unit without building strings first;
 * - AF_INET6, or AF_INET whose text is not such a dotted quad: undefined, "ask WTSClientAddress
 *   (14)", whose layout is known (3.6), instead of guessing an offset;
 * - any other family (AF_UNSPEC for the console, non-IP families): null, as formatClientAddress.
 * That the text form is what a real server returns is not checked here (no Windows).
 */
export function clientInfoAddress(family: number, address: Uint16Array): string | null | undefined {
  if (family === AF_INET6) return undefined;
  if (family !== AF_INET) return null;
  let end = address.indexOf(0);
  if (end === -1) end = address.length;
  let dots = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i < end; i++) {
    const c = address[i] as number;
    if (c === DOT) {
      if (digits === 0 || dots === 3) return undefined;
      dots++;
      digits = 0;
      value = 0;
    } else if (c >= DIGIT_0 && c <= DIGIT_0 + 9) {
      if (digits > 0 && value === 0) return undefined; // a leading zero
      value = value * 10 + (c - DIGIT_0);
      if (++digits > 3 || value > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return String.fromCharCode(...address.subarray(0, end));
}
