/**
 * The on-disk layout of one glibc `struct utmp` record on Linux x86_64 and aarch64: the one
 * place that knows it. Facts relied on (glibc bits/utmp.h, <utmp.h>):
 * - UT_LINESIZE = 32, UT_NAMESIZE = 32, UT_HOSTSIZE = 256;
 * - on 64-bit Linux `__WORDSIZE_TIME64_COMPAT32` is 1, so `ut_session` and `ut_tv` are int32
 *   (not long / struct timeval): the file is the same for 32- and 64-bit programs;
 * - `pid_t` is int32 and needs 4-byte alignment, hence the 2 padding bytes after `ut_type`;
 * - the record is 384 bytes; numbers are in host byte order (little-endian on both targets);
 * - `ut_addr_v6` holds the address in network byte order: an IPv4 address is in [0] alone;
 * - the char arrays are NUL-padded but NOT NUL-terminated when the value fills the array.
 * tests/linux-backend/c/utmp-writer.c prints sizeof/offsetof from the real header, and the tests
 * assert that this table equals it.
 */

export interface UtmpField {
  /** Byte offset from the start of the record. */
  readonly offset: number;
  /** Size in bytes. */
  readonly size: number;
}

export const UTMP_LAYOUT = {
  /** sizeof(struct utmp). */
  size: 384,
  fields: {
    ut_type: { offset: 0, size: 2 }, // short int; 2 bytes of padding follow
    ut_pid: { offset: 4, size: 4 }, // pid_t
    ut_line: { offset: 8, size: 32 }, // char[UT_LINESIZE], device name without "/dev/"
    ut_id: { offset: 40, size: 4 }, // char[4], inittab id (tty suffix)
    ut_user: { offset: 44, size: 32 }, // char[UT_NAMESIZE]
    ut_host: { offset: 76, size: 256 }, // char[UT_HOSTSIZE], remote host name (or address text)
    ut_exit_e_termination: { offset: 332, size: 2 }, // struct exit_status { short; short; }
    ut_exit_e_exit: { offset: 334, size: 2 },
    ut_session: { offset: 336, size: 4 }, // int32
    ut_tv_sec: { offset: 340, size: 4 }, // int32 seconds since the epoch
    ut_tv_usec: { offset: 344, size: 4 }, // int32 microseconds
    ut_addr_v6: { offset: 348, size: 16 }, // int32[4], network byte order
    glibc_reserved: { offset: 364, size: 20 }, // char __glibc_reserved[20] ("__unused")
  },
} as const satisfies { size: number; fields: Record<string, UtmpField> };

export type UtmpFieldName = keyof typeof UTMP_LAYOUT.fields;

/** ut_type values (glibc bits/utmp.h). Only USER_PROCESS records are sessions. */
export const UT_TYPE = {
  EMPTY: 0,
  RUN_LVL: 1,
  BOOT_TIME: 2,
  NEW_TIME: 3,
  OLD_TIME: 4,
  INIT_PROCESS: 5,
  LOGIN_PROCESS: 6,
  USER_PROCESS: 7,
  DEAD_PROCESS: 8,
  ACCOUNTING: 9,
} as const;
