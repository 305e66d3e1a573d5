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

export function formatUtmpAddress(addr: Uint8Array): string | null {
  if (addr.length !== 16) throw new RangeError(`ut_addr_v6 must be 16 bytes, got ${addr.length}`);
  if (addr.every((b) => b === 0)) return null;
  if (addr.subarray(4).every((b) => b === 0)) return ipv4(addr.subarray(0, 4));
  const mapped = addr.subarray(0, 10).every((b) => b === 0) && addr[10] === 0xff && addr[11] === 0xff;
  if (mapped) return ipv4(addr.subarray(12, 16));
  return ipv6(addr);
}

function ipv4(b: Uint8Array): string {
  return Array.from(b).join('.');
}

function ipv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // The first longest run of zero groups, if at least two long (RFC 5952 section 4.2).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestLen < 2) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}
