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

/** One to three decimal digits, 0-255, no leading zeros: the dotted text of one IPv4 byte. */
const IPV4_TEXT = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/**
 * WTSCLIENTW.ClientAddress (WTSClientInfo, wts-api.md 3.7) to text. Microsoft's WTSCLIENT remarks
 * say AF_INET comes "in string format, for example 127.0.0.1" and AF_INET6 "in binary form",
 * without saying where in the USHORT array the binary form starts.
 * - AF_INET: the UTF-16 text up to its NUL, accepted only as a dotted quad (0-255 each);
 * - AF_INET6, or AF_INET whose text is not a dotted quad: undefined, "ask WTSClientAddress (14)",
 *   whose layout is known (3.6), instead of guessing an offset;
 * - any other family (AF_UNSPEC for the console, non-IP families): null, as formatClientAddress.
 * That the text form is what a real server returns is not checked here (no Windows).
 */
export function clientInfoAddress(family: number, address: Uint16Array): string | null | undefined {
  if (family === AF_INET6) return undefined;
  if (family !== AF_INET) return null;
  const end = address.indexOf(0);
  const text = String.fromCharCode(...address.subarray(0, end === -1 ? address.length : end));
  const m = IPV4_TEXT.exec(text);
  if (m === null) return undefined;
  const bytes = m.slice(1, 5).map(Number);
  return bytes.every((b) => b <= 255) ? formatIpv4(Uint8Array.from(bytes)) : undefined;
}
