/**
 * Turns utmp's ut_addr_v6 (int32[4] in network byte order, i.e. 16 address bytes as they go on
 * the wire) into address text.
 * - all zero: no address (a local session) -> null;
 * - only the first int32 non-zero: IPv4 (glibc's `ut_addr` is `ut_addr_v6[0]`, and login code
 *   stores an IPv4 peer there alone). An IPv6 address with 96 trailing zero bits (x:y::) reads
 *   the same; the format cannot tell them apart, and no real client has such an address;
 * - an IPv4-mapped IPv6 address (::ffff:a.b.c.d): shown as the IPv4 address a.b.c.d, because the
 *   client is an IPv4 client reached over a dual-stack socket (OpenSSH normalises it the same way);
 * - anything else: IPv6 in the RFC 5952 canonical text form (lower case, no leading zeros, the
 *   first longest run of two or more zero groups compressed to "::").
 */

import { formatIpv4, formatIpv6 } from '../ip-text.ts';

export function formatUtmpAddress(addr: Uint8Array): string | null {
  if (addr.length !== 16) throw new RangeError(`ut_addr_v6 must be 16 bytes, got ${addr.length}`);
  if (addr.every((b) => b === 0)) return null;
  if (addr.subarray(4).every((b) => b === 0)) return formatIpv4(addr.subarray(0, 4));
  const mapped = addr.subarray(0, 10).every((b) => b === 0) && addr[10] === 0xff && addr[11] === 0xff;
  if (mapped) return formatIpv4(addr.subarray(12, 16));
  return formatIpv6(addr);
}
