/*
 * Test helper: knows struct utmp only through glibc's own <utmp.h>.
 *
 *   utmp-writer layout       prints sizeof(struct utmp) and the offset and size of every field
 *                            as JSON, shaped like UTMP_LAYOUT in src/backend/linux/utmp-layout.ts.
 *   utmp-writer path         prints _PATH_UTMP, the utmp file the C library reads by default.
 *   utmp-writer write FILE   reads records from stdin, one per line, tab-separated:
 *                              type pid line user host tv_sec tv_usec addr
 *                            line/user/host are hex-encoded bytes (so a value may be any bytes,
 *                            up to the full field with no NUL), "-" when empty; addr is "-" or
 *                            IPv4/IPv6 text.
 *                            Each record is a zeroed struct utmp, filled and fwrite()n to FILE
 *                            (created or truncated), exactly as the file would hold it.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <paths.h>
#include <string.h>
#include <utmp.h>

#define FIELD(name, member) \
  printf("%s\"%s\":{\"offset\":%zu,\"size\":%zu}", first ? "" : ",", name, offsetof(struct utmp, member), \
         sizeof(((struct utmp *)0)->member)); \
  first = 0;

static int layout(void) {
  int first = 1;
  printf("{\"size\":%zu,\"fields\":{", sizeof(struct utmp));
  FIELD("ut_type", ut_type)
  FIELD("ut_pid", ut_pid)
  FIELD("ut_line", ut_line)
  FIELD("ut_id", ut_id)
  FIELD("ut_user", ut_user)
  FIELD("ut_host", ut_host)
  FIELD("ut_exit_e_termination", ut_exit.e_termination)
  FIELD("ut_exit_e_exit", ut_exit.e_exit)
  FIELD("ut_session", ut_session)
  FIELD("ut_tv_sec", ut_tv.tv_sec)
  FIELD("ut_tv_usec", ut_tv.tv_usec)
  FIELD("ut_addr_v6", ut_addr_v6)
  FIELD("glibc_reserved", __glibc_reserved)
  printf("}}\n");
  return 0;
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "utmp-writer: %s: %s\n", what, detail);
  exit(2);
}

/* Decodes hex into dst (at most cap bytes; the rest stays zero). "-" is the empty value. */
static size_t unhex(const char *hex, char *dst, size_t cap, const char *what) {
  if (strcmp(hex, "-") == 0) return 0;
  size_t n = strlen(hex);
  if (n % 2 != 0 || n / 2 > cap) die(what, hex);
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1) die(what, hex);
    dst[i] = (char)v;
  }
  return n / 2;
}

static int write_records(const char *path) {
  FILE *out = fopen(path, "wb");
  if (!out) die("open", path);
  char buf[4096];
  while (fgets(buf, sizeof buf, stdin)) {
    buf[strcspn(buf, "\r\n")] = 0;
    if (buf[0] == 0) continue;
    char *f[8];
    char *save = NULL;
    int n = 0;
    for (char *tok = strtok_r(buf, "\t", &save); tok && n < 8; tok = strtok_r(NULL, "\t", &save)) f[n++] = tok;
    if (n != 8) die("expected 8 tab-separated fields", buf);

    struct utmp u;
    memset(&u, 0, sizeof u);
    u.ut_type = (short)atoi(f[0]);
    u.ut_pid = (pid_t)atol(f[1]);
    size_t len = unhex(f[2], u.ut_line, sizeof u.ut_line, "line");
    /* ut_id as login(1) sets it: the last 4 bytes of the line. */
    if (len > 0) memcpy(u.ut_id, u.ut_line + (len > 4 ? len - 4 : 0), len > 4 ? 4 : len);
    unhex(f[3], u.ut_user, sizeof u.ut_user, "user");
    unhex(f[4], u.ut_host, sizeof u.ut_host, "host");
    u.ut_session = u.ut_pid;
    u.ut_tv.tv_sec = (int32_t)atol(f[5]);
    u.ut_tv.tv_usec = (int32_t)atol(f[6]);
    if (strcmp(f[7], "-") != 0) {
      /* inet_pton writes network byte order, as glibc's login code stores it. */
      if (strchr(f[7], ':')) {
        if (inet_pton(AF_INET6, f[7], u.ut_addr_v6) != 1) die("addr", f[7]);
      } else if (inet_pton(AF_INET, f[7], u.ut_addr_v6) != 1) {
        die("addr", f[7]);
      }
    }
    if (fwrite(&u, sizeof u, 1, out) != 1) die("write", path);
  }
  if (fclose(out) != 0) die("close", path);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "layout") == 0) return layout();
  if (argc == 2 && strcmp(argv[1], "path") == 0) return puts(_PATH_UTMP) < 0;
  if (argc == 3 && strcmp(argv[1], "write") == 0) return write_records(argv[2]);
  fprintf(stderr, "usage: utmp-writer layout | utmp-writer path | utmp-writer write FILE < records\n");
  return 2;
}
