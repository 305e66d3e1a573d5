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
