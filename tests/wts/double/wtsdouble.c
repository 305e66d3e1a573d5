/*
 * wtsdouble.c - a C test double of wtsapi32.dll (plus the kernel32 exports
 * WTSGetActiveConsoleSessionId, ProcessIdToSessionId, GetLastError, SetLastError).
 *
 * It follows Microsoft's documentation of the WTS API (learn.microsoft.com / the
 * MicrosoftDocs/sdk-api sources, sdk-api-src/content/wtsapi32/) and the project's notes in
 * docs/wts-api.md (sections 1-4 and 6). It was written INDEPENDENTLY of the
 * project's bindings in src/, so that a wrong declaration in the bindings fails a test instead of
 * agreeing with itself.
 *
 * One source set, two builds:
 *   Linux:   cc -std=c11 -shared -fPIC -fvisibility=hidden -pthread wtsdouble.c platform.c
 *            (GetLastError/SetLastError are exported from here and backed by errno)
 *   Windows: x86_64-w64-mingw32-gcc -shared wtsdouble.c platform.c wtsdouble.def
 *            (the .def forwards GetLastError/SetLastError to kernel32; the double calls the real
 *            SetLastError through platform.c)
 *
 * Behaviour comes from the fixture file named by WTSDOUBLE_FIXTURE; events are appended to the
 * file named by WTSDOUBLE_LOG. The formats are described at the end of wtsdouble.h and in
 * tests/wts/support/double.ts.
 *
 * Thread safety: all mutable global state (fixture, handles, live allocations, log writes) is
 * guarded by one lock; latency and message-reply sleeps happen with the lock released.
 */
#include "wtsdouble.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#define DBL_API
#else
#define DBL_API __attribute__((visibility("default")))
#endif

/* ---- documented constants ---- */
#define ERROR_ACCESS_DENIED 5u
#define ERROR_INVALID_HANDLE 6u
#define ERROR_NOT_SUPPORTED 50u
#define ERROR_INVALID_PARAMETER 87u
#define RPC_S_SERVER_UNAVAILABLE 1722u
#define RPC_S_PROCNUM_OUT_OF_RANGE 1745u
#define ERROR_CTX_WINSTATION_NOT_FOUND 7022u
#define WTS_CURRENT_SESSION 0xFFFFFFFFu
#define IDTIMEOUT 32000u
#define IDASYNC 32001u
#define WTS_SESSIONSTATE_LOCK 0
#define WTS_SESSIONSTATE_UNLOCK 1
#define WTS_SESSIONSTATE_UNKNOWN -1
#define WTSTypeSessionInfoLevel1 2
#define WTSTypeProcessInfoLevel1 1
#define WTS_ANY_SESSION 0xFFFFFFFEu
#define ERROR_INSUFFICIENT_BUFFER 122u
#define ERROR_NONE_MAPPED 1332u
/* The double's SIDs: S-1-5-21-4242-<server index>-<1000 + index of the server's first process of
 * that user>, so that every process of one account has the same SID. */
#define DBL_SID_TAG 4242u
#define DBL_SID_BYTES 24
#define AF_INET_WIN 2u
#define AF_INET6_WIN 23u
#define STATE_DISCONNECTED 4

#define DENY_QUERY 1u
#define DENY_DISCONNECT 2u
#define DENY_LOGOFF 4u
#define DENY_MESSAGE 8u
#define DENY_ENUMERATE 16u

/* ---- small helpers ---- */
static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *r = malloc(n);
  if (r) memcpy(r, s, n);
  return r;
}

typedef struct {
  char *p;
  size_t n, cap;
  int off; /* no log file is named: nothing is formatted */
} Buf;

static void buf_putn(Buf *b, const char *s, size_t n) {
  if (b->off) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (b->n + n + 1 > cap) cap *= 2;
    char *np = realloc(b->p, cap);
    if (!np) return;
    b->p = np;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}
static void buf_printf(Buf *b, const char *fmt, ...) {
  if (b->off) return;
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof tmp) n = (int)sizeof tmp - 1;
  buf_putn(b, tmp, (size_t)n);
}
/* Percent-encodes UTF-8 bytes; only [A-Za-z0-9_.~] stay literal, so a bare "-" means NULL. */
static void buf_enc(Buf *b, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  if (!s) {
    buf_putn(b, "-", 1);
    return;
  }
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned c = *p;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '.' || c == '~') {
      char ch = (char)c;
      buf_putn(b, &ch, 1);
    } else {
      char e[3] = {'%', hex[c >> 4], hex[c & 15]};
      buf_putn(b, e, 3);
    }
  }
}
static void buf_hex(Buf *b, const uint8_t *p, size_t n) {
  static const char hex[] = "0123456789abcdef";
  if (n == 0) buf_putn(b, "-", 1);
  for (size_t i = 0; i < n; i++) {
    char e[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
    buf_putn(b, e, 2);
  }
}

/* UTF-8 -> newly allocated NUL-terminated UTF-16 (invalid sequences become U+FFFD). */
static char16_t *utf8_to_16(const char *s, size_t *units_out) {
  size_t len = strlen(s);
  char16_t *out = malloc((len + 1) * sizeof(char16_t));
  if (!out) return NULL;
  size_t o = 0;
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  while (p < end) {
    uint32_t c = *p, cp = 0xFFFD;
    int need = 0;
    if (c < 0x80) { cp = c; need = 0; }
    else if ((c & 0xE0) == 0xC0) { cp = c & 0x1F; need = 1; }
    else if ((c & 0xF0) == 0xE0) { cp = c & 0x0F; need = 2; }
    else if ((c & 0xF8) == 0xF0) { cp = c & 0x07; need = 3; }
    else { cp = 0xFFFD; need = -1; }
    p++;
    if (need > 0) {
      int ok = 1;
      for (int i = 0; i < need; i++) {
        if (p >= end || (*p & 0xC0) != 0x80) { ok = 0; break; }
        cp = (cp << 6) | (*p & 0x3F);
        p++;
      }
      if (!ok || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
          (need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000))
        cp = 0xFFFD;
    } else if (need < 0) {
      cp = 0xFFFD;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out[o++] = (char16_t)(0xD800 + (cp >> 10));
      out[o++] = (char16_t)(0xDC00 + (cp & 0x3FF));
    } else {
      out[o++] = (char16_t)cp;
    }
  }
  out[o] = 0;
  if (units_out) *units_out = o;
  return out;
}

/* UTF-16 (n units) -> newly allocated UTF-8 (lone surrogates become U+FFFD). */
static char *utf16_to_8(const char16_t *s, size_t n) {
  char *out = malloc(n * 3 + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = s[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      i++;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = 0xFFFD;
    }
    if (c < 0x80) out[o++] = (char)c;
    else if (c < 0x800) { out[o++] = (char)(0xC0 | (c >> 6)); out[o++] = (char)(0x80 | (c & 0x3F)); }
    else if (c < 0x10000) {
      out[o++] = (char)(0xE0 | (c >> 12));
      out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
      out[o++] = (char)(0x80 | (c & 0x3F));
    } else {
      out[o++] = (char)(0xF0 | (c >> 18));
      out[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
      out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
      out[o++] = (char)(0x80 | (c & 0x3F));
    }
  }
  out[o] = 0;
  return out;
}

static size_t u16len(const char16_t *s) {
  size_t n = 0;
  if (s) while (s[n]) n++;
  return n;
}

/* Copies into a fixed WCHAR array, always NUL-terminated, never splitting a surrogate pair. */
static void copy_fixed(char16_t *dst, size_t cap, const char16_t *src) {
  size_t n = u16len(src);
  if (n > cap - 1) {
    n = cap - 1;
    if (n > 0 && src[n - 1] >= 0xD800 && src[n - 1] <= 0xDBFF) n--;
  }
  if (n) memcpy(dst, src, n * sizeof(char16_t));
  dst[n] = 0;
}

static int ascii_ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
    if (x >= 'A' && x <= 'Z') x = (unsigned char)(x + 32);
    if (y >= 'A' && y <= 'Z') y = (unsigned char)(y + 32);
    if (x != y) return 0;
  }
  return *a == *b;
}

/* ---- fixture model ---- */
typedef struct {
  uint32_t id;
  int32_t state;
  char16_t *winstation, *user, *domain, *client; /* user/domain/client NULL when '-' */
  uint32_t family;
  uint8_t address[20];
  int64_t logon, connect, disconnect, lastinput, current;
  int32_t locked; /* 1 locked, 0 unlocked, -1 unknown */
  uint16_t protocol;
  uint32_t reply; /* response when bWait=1 */
  int reply_none; /* nobody answers -> IDTIMEOUT */
  uint32_t reply_ms;
  uint32_t deny;
  uint32_t query_fail;       /* every query on the session fails with this code (0: none) */
  int32_t query_fail_class;  /* ...only queries of this class (-1: every class) */
} Session;

/* A process of the fixture (`proc` line). user NULL: no SID (pUserSid NULL). */
typedef struct {
  uint32_t session, pid;
  char16_t *name, *user, *domain;
  uint32_t threads, handles, pagefile, peakpagefile, ws, peakws;
  int64_t usertime, kerneltime;
} Proc;

typedef struct {
  char *name; /* UTF-8; "." = local server */
  uint32_t latency_ms, fail;
  int win61; /* version=6.1: SessionFlags reversed (documented Win7/2008R2 defect) */
  int win60; /* version=6.0: Vista / Server 2008, without the Ex enumeration and WTSSessionInfoEx */
  uint32_t classic_fail; /* classic_fail=<code>: WTSEnumerateSessionsW alone fails with it */
  int console_set;
  uint32_t console;
  Session *s;
  size_t n, cap;
  size_t hint; /* index of the session find_session found last */
  Proc *p;
  size_t np, capp;
} Server;

typedef struct {
  Server *sv;
  size_t n, cap;
  int self_set;
  uint32_t self;
  struct { uint32_t pid, session; } *procs;
  size_t nprocs, capprocs;
} Config;

static Config g_cfg;
static int g_loaded;
static char *g_fixture_bytes;
static size_t g_fixture_len;
static int g_fixture_present;

typedef struct Handle {
  struct Handle *next;
  char *server;
} Handle;
static Handle *g_handles;

enum { KIND_SESSIONS = 1, KIND_SESSIONS1 = 2, KIND_QUERY = 3, KIND_PROCESSES1 = 4 };
static const char *kind_name(int k) {
  return k == KIND_SESSIONS ? "sessions" : k == KIND_SESSIONS1 ? "sessions1" : k == KIND_PROCESSES1 ? "processes1" : "query";
}
typedef struct Block {
  struct Block *next;
  void *p;
  int kind;
  uint32_t count;
} Block;
static Block *g_blocks;
static uint32_t g_live;

static void free_session(Session *s) {
  free(s->winstation);
  free(s->user);
  free(s->domain);
  free(s->client);
}
static void free_config(Config *c) {
  for (size_t i = 0; i < c->n; i++) {
    for (size_t j = 0; j < c->sv[i].n; j++) free_session(&c->sv[i].s[j]);
    free(c->sv[i].s);
    for (size_t j = 0; j < c->sv[i].np; j++) {
      free(c->sv[i].p[j].name);
      free(c->sv[i].p[j].user);
      free(c->sv[i].p[j].domain);
    }
    free(c->sv[i].p);
    free(c->sv[i].name);
  }
  free(c->sv);
  free(c->procs);
  memset(c, 0, sizeof *c);
}

/* ---- log (call with the lock held) ---- */
static void log_line(Buf *b) {
  if (b->p) dbl_append_env_file("WTSDOUBLE_LOG", b->p);
  free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
}
static void log_begin(Buf *b, const char *event) {
  memset(b, 0, sizeof *b);
  /* Formatting every event costs more than the call itself when thousands of sessions are asked
   * about; without WTSDOUBLE_LOG nothing would be written anyway. */
  const char *log = getenv("WTSDOUBLE_LOG");
  b->off = !log || !*log;
  if (b->off) return; /* not even the clock and the thread id (a system call each event) */
  buf_printf(b, "%s t=%" PRId64 " tid=%" PRIu64, event, dbl_now_us(), dbl_tid());
}

/* ---- fixture parsing ---- */
static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
/* Percent-decodes in place; returns 0 on a malformed escape. */
static int pct_decode(char *s) {
  char *o = s;
  for (char *p = s; *p; p++) {
    if (*p == '%') {
      int h = hexval((unsigned char)p[1]), l = h < 0 ? -1 : hexval((unsigned char)p[2]);
      if (h < 0 || l < 0) return 0;
      *o++ = (char)(h * 16 + l);
      p += 2;
    } else {
      *o++ = *p;
    }
  }
  *o = 0;
  return 1;
}
static int parse_u32(const char *s, uint32_t *out) {
  char *e;
  if (!*s) return 0;
  unsigned long long v = strtoull(s, &e, 0);
  if (*e || v > 0xFFFFFFFFull || s[0] == '-') return 0;
  *out = (uint32_t)v;
  return 1;
}
static int parse_i64(const char *s, int64_t *out) {
  char *e;
  if (!*s) return 0;
  long long v = strtoll(s, &e, 10);
  if (*e) return 0;
  *out = (int64_t)v;
  return 1;
}
static int parse_ipv4(const char *s, uint8_t out[4]) {
  for (int i = 0; i < 4; i++) {
    if (*s < '0' || *s > '9') return 0;
    unsigned v = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9') {
      v = v * 10 + (unsigned)(*s - '0');
      s++;
      if (++digits > 3 || v > 255) return 0;
    }
    out[i] = (uint8_t)v;
    if (i < 3) {
      if (*s != '.') return 0;
      s++;
    }
  }
  return *s == 0;
}
static int parse_ipv6(const char *s, uint8_t out[16]) {
  uint16_t head[8], tail[8];
  int nh = 0, nt = 0, dbl = 0;
  const char *p = s;
  if (p[0] == ':') {
    if (p[1] != ':') return 0;
    dbl = 1;
    p += 2;
  }
  while (*p) {
    if (strchr(p, '.') && !strchr(p, ':')) {
      uint8_t v4[4];
      if (!parse_ipv4(p, v4)) return 0;
      if (nh + nt + 2 > 8) return 0;
      uint16_t g1 = (uint16_t)(v4[0] << 8 | v4[1]), g2 = (uint16_t)(v4[2] << 8 | v4[3]);
      if (dbl) { tail[nt++] = g1; tail[nt++] = g2; }
      else { head[nh++] = g1; head[nh++] = g2; }
      break;
    }
    unsigned v = 0;
    int digits = 0, h;
    while ((h = hexval((unsigned char)*p)) >= 0) {
      v = v * 16 + (unsigned)h;
      p++;
      if (++digits > 4) return 0;
    }
    if (!digits || nh + nt >= 8) return 0;
    if (dbl) tail[nt++] = (uint16_t)v;
    else head[nh++] = (uint16_t)v;
    if (*p == ':') {
      if (p[1] == ':') {
        if (dbl) return 0;
        dbl = 1;
        p += 2;
      } else {
        p++;
        if (!*p) return 0;
      }
    } else if (*p) {
      return 0;
    }
  }
  if (dbl ? nh + nt > 7 : nh != 8) return 0;
  memset(out, 0, 16);
  for (int i = 0; i < nh; i++) { out[2 * i] = (uint8_t)(head[i] >> 8); out[2 * i + 1] = (uint8_t)head[i]; }
  for (int i = 0; i < nt; i++) {
    int g = 8 - nt + i;
    out[2 * g] = (uint8_t)(tail[i] >> 8);
    out[2 * g + 1] = (uint8_t)tail[i];
  }
  return 1;
}
/* '-' -> AF_UNSPEC(0); IPv4 -> family 2, bytes at Address[2..5]; IPv6 -> family 23, bytes at
 * Address[2..17] (Cassia's reading; see README, wts-api.md 7.1); raw:<family>:<hex> -> verbatim. */
static int parse_address(const char *s, uint32_t *family, uint8_t addr[20]) {
  memset(addr, 0, 20);
  *family = 0;
  if (!*s) return 1;
  if (strncmp(s, "raw:", 4) == 0) {
    const char *p = s + 4;
    char *e;
    unsigned long fam = strtoul(p, &e, 10);
    if (e == p || *e != ':') return 0;
    p = e + 1;
    size_t n = strlen(p);
    if (n % 2 || n > 40) return 0;
    for (size_t i = 0; i < n / 2; i++) {
      int h = hexval((unsigned char)p[2 * i]), l = hexval((unsigned char)p[2 * i + 1]);
      if (h < 0 || l < 0) return 0;
      addr[i] = (uint8_t)(h * 16 + l);
    }
    *family = (uint32_t)fam;
    return 1;
  }
  if (strchr(s, ':')) {
    if (!parse_ipv6(s, addr + 2)) return 0;
    *family = AF_INET6_WIN;
    return 1;
  }
  if (!parse_ipv4(s, addr + 2)) return 0;
  *family = AF_INET_WIN;
  return 1;
}
static int parse_state(const char *s, int32_t *out) {
  static const char *names[] = {"Active", "Connected", "ConnectQuery", "Shadow", "Disconnected",
                                "Idle",   "Listen",    "Reset",        "Down",   "Init"};
  for (int i = 0; i < 10; i++)
    if (ascii_ieq(s, names[i])) { *out = i; return 1; }
  uint32_t v;
  if (!parse_u32(s, &v)) return 0;
  *out = (int32_t)v;
  return 1;
}
/* A decoded string field: '-' (before decoding) means NULL. */
static int str_field(char *tok, char16_t **out) {
  *out = NULL;
  if (strcmp(tok, "-") == 0) return 1;
  if (!pct_decode(tok)) return 0;
  *out = utf8_to_16(tok, NULL);
  return *out != NULL;
}

#define MAXTOK 40
static size_t split(char *line, char **tok) {
  size_t n = 0;
  char *p = line;
  while (*p && n < MAXTOK) {
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) break;
    tok[n++] = p;
    while (*p && *p != ' ' && *p != '\t') p++;
    if (*p) *p++ = 0;
  }
  return n;
}

static const char *parse_session(char **t, size_t n, Session *s) {
  memset(s, 0, sizeof *s);
  s->reply = 1; /* IDOK */
  s->query_fail_class = -1;
  if (n < 15) return "session needs 14 fields";
  if (!parse_u32(t[1], &s->id)) return "bad session id";
  if (!parse_state(t[2], &s->state)) return "bad state";
  if (!str_field(t[3], &s->winstation) || !str_field(t[4], &s->user) ||
      !str_field(t[5], &s->domain) || !str_field(t[6], &s->client))
    return "bad string field";
  if (!s->winstation) s->winstation = utf8_to_16("", NULL);
  if (strcmp(t[7], "-") != 0) {
    if (!pct_decode(t[7]) || !parse_address(t[7], &s->family, s->address)) return "bad address";
  }
  if (!parse_i64(t[8], &s->logon) || !parse_i64(t[9], &s->connect) ||
      !parse_i64(t[10], &s->disconnect) || !parse_i64(t[11], &s->lastinput) ||
      !parse_i64(t[12], &s->current))
    return "bad filetime";
  if (strcmp(t[13], "-1") == 0) s->locked = -1;
  else if (strcmp(t[13], "0") == 0) s->locked = 0;
  else if (strcmp(t[13], "1") == 0) s->locked = 1;
  else return "bad locked";
  uint32_t proto;
  if (!parse_u32(t[14], &proto) || proto > 0xFFFF) return "bad protocol";
  s->protocol = (uint16_t)proto;
  for (size_t i = 15; i < n; i++) {
    char *eq = strchr(t[i], '=');
    if (!eq) return "bad option";
    *eq = 0;
    const char *k = t[i], *v = eq + 1;
    if (strcmp(k, "reply") == 0) {
      if (strcmp(v, "none") == 0) s->reply_none = 1;
      else if (!parse_u32(v, &s->reply)) return "bad reply";
    } else if (strcmp(k, "reply_ms") == 0) {
      if (!parse_u32(v, &s->reply_ms)) return "bad reply_ms";
    } else if (strcmp(k, "query_fail") == 0) {
      if (!parse_u32(v, &s->query_fail) || s->query_fail == 0) return "bad query_fail";
    } else if (strcmp(k, "query_fail_class") == 0) {
      uint32_t cls;
      if (!parse_u32(v, &cls) || cls > 0x7FFFFFFF) return "bad query_fail_class";
      s->query_fail_class = (int32_t)cls;
    } else if (strcmp(k, "deny") == 0) {
      char tmp[128];
      snprintf(tmp, sizeof tmp, "%s", v);
      for (char *w = strtok(tmp, ","); w; w = strtok(NULL, ",")) {
        if (strcmp(w, "query") == 0) s->deny |= DENY_QUERY;
        else if (strcmp(w, "disconnect") == 0) s->deny |= DENY_DISCONNECT;
        else if (strcmp(w, "logoff") == 0) s->deny |= DENY_LOGOFF;
        else if (strcmp(w, "message") == 0) s->deny |= DENY_MESSAGE;
        else return "bad deny";
      }
    } else {
      return "unknown session option";
    }
  }
  return NULL;
}

/* proc <session> <pid> <name> <user> <domain> <threads> <handles> <pagefile> <peakpagefile>
 *      <workingset> <peakworkingset> <usertime> <kerneltime> */
static const char *parse_proc(char **t, size_t n, Proc *p) {
  memset(p, 0, sizeof *p);
  if (n < 14) return "proc needs 13 fields";
  if (!parse_u32(t[1], &p->session) || !parse_u32(t[2], &p->pid)) return "bad proc ids";
  if (!str_field(t[3], &p->name) || !str_field(t[4], &p->user) || !str_field(t[5], &p->domain))
    return "bad proc string";
  uint32_t *u[] = {&p->threads, &p->handles, &p->pagefile, &p->peakpagefile, &p->ws, &p->peakws};
  for (size_t i = 0; i < 6; i++)
    if (!parse_u32(t[6 + i], u[i])) return "bad proc counter";
  if (!parse_i64(t[12], &p->usertime) || !parse_i64(t[13], &p->kerneltime)) return "bad proc time";
  return NULL;
}

static Server *add_server(Config *c, const char *name) {
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 4;
    Server *nv = realloc(c->sv, cap * sizeof *nv);
    if (!nv) return NULL;
    c->sv = nv;
    c->cap = cap;
  }
  Server *s = &c->sv[c->n++];
  memset(s, 0, sizeof *s);
  s->name = xstrdup(name);
  return s;
}

static Server *find_server(Config *c, const char *name) {
  for (size_t i = 0; i < c->n; i++)
    if (ascii_ieq(c->sv[i].name, name)) return &c->sv[i];
  return NULL;
}

static void parse_fixture(char *text, Config *c, const char *path) {
  Server *cur = NULL;
  size_t lineno = 0, nsessions = 0;
  char *save = text;
  while (save && *save) {
    char *line = save;
    char *nl = strchr(line, '\n');
    if (nl) { *nl = 0; save = nl + 1; }
    else save = NULL;
    lineno++;
    size_t L = strlen(line);
    if (L && line[L - 1] == '\r') line[L - 1] = 0;
    char *t[MAXTOK];
    size_t n = split(line, t);
    if (n == 0 || t[0][0] == '#') continue;
    const char *err = NULL;
    if (strcmp(t[0], "server") == 0) {
      if (n < 2) err = "server needs a name";
      else {
        char *name = t[1];
        if (strcmp(name, "-") == 0) name = ".";
        else if (!pct_decode(name)) err = "bad server name";
        if (!err && !*name) name = ".";
        if (!err && find_server(c, name)) err = "duplicate server";
        Server *s = err ? NULL : add_server(c, name);
        for (size_t i = 2; s && i < n && !err; i++) {
          char *eq = strchr(t[i], '=');
          if (!eq) { err = "bad server option"; break; }
          *eq = 0;
          const char *k = t[i], *v = eq + 1;
          if (strcmp(k, "latency_ms") == 0) { if (!parse_u32(v, &s->latency_ms)) err = "bad latency_ms"; }
          else if (strcmp(k, "fail") == 0) { if (!parse_u32(v, &s->fail)) err = "bad fail"; }
          else if (strcmp(k, "classic_fail") == 0) { if (!parse_u32(v, &s->classic_fail)) err = "bad classic_fail"; }
          else if (strcmp(k, "version") == 0) {
            s->win61 = strcmp(v, "6.1") == 0;
            s->win60 = strcmp(v, "6.0") == 0;
          }
          else err = "unknown server option";
        }
        if (s) cur = s;
      }
    } else if (strcmp(t[0], "session") == 0) {
      if (!cur) err = "session before server";
      else {
        Session s;
        err = parse_session(t, n, &s);
        if (!err) {
          for (size_t i = 0; i < cur->n; i++)
            if (cur->s[i].id == s.id) err = "duplicate session id";
        }
        if (!err && cur->n == cur->cap) {
          size_t cap = cur->cap ? cur->cap * 2 : 8;
          Session *ns = realloc(cur->s, cap * sizeof *ns);
          if (!ns) err = "out of memory";
          else { cur->s = ns; cur->cap = cap; }
        }
        if (err) free_session(&s);
        else { cur->s[cur->n++] = s; nsessions++; }
      }
    } else if (strcmp(t[0], "proc") == 0) {
      if (!cur) err = "proc before server";
      else {
        Proc p;
        err = parse_proc(t, n, &p);
        if (!err && cur->np == cur->capp) {
          size_t cap = cur->capp ? cur->capp * 2 : 8;
          Proc *np = realloc(cur->p, cap * sizeof *np);
          if (!np) err = "out of memory";
          else { cur->p = np; cur->capp = cap; }
        }
        if (err) { free(p.name); free(p.user); free(p.domain); }
        else cur->p[cur->np++] = p;
      }
    } else if (strcmp(t[0], "console") == 0) {
      if (!cur) err = "console before server";
      else if (n < 2) err = "console needs a value";
      else if (strcmp(t[1], "none") == 0) { cur->console_set = 1; cur->console = 0xFFFFFFFFu; }
      else if (parse_u32(t[1], &cur->console)) cur->console_set = 1;
      else err = "bad console";
    } else if (strcmp(t[0], "self") == 0) {
      if (n < 2 || !parse_u32(t[1], &c->self)) err = "bad self";
      else c->self_set = 1;
    } else if (strcmp(t[0], "process") == 0) {
      uint32_t pid, sid;
      if (n < 3 || !parse_u32(t[1], &pid) || !parse_u32(t[2], &sid)) err = "bad process";
      else {
        if (c->nprocs == c->capprocs) {
          size_t cap = c->capprocs ? c->capprocs * 2 : 8;
          void *np = realloc(c->procs, cap * sizeof *c->procs);
          if (np) { c->procs = np; c->capprocs = cap; }
        }
        if (c->nprocs < c->capprocs) {
          c->procs[c->nprocs].pid = pid;
          c->procs[c->nprocs].session = sid;
          c->nprocs++;
        }
      }
    } else {
      err = "unknown line";
    }
    if (err) {
      Buf b;
      log_begin(&b, "fixture_error");
      buf_printf(&b, " line=%zu reason=", lineno);
      buf_enc(&b, err);
      log_line(&b);
    }
  }
  Buf b;
  log_begin(&b, "load");
  buf_putn(&b, " path=", 6);
  buf_enc(&b, path);
  buf_printf(&b, " servers=%zu sessions=%zu", c->n, nsessions);
  log_line(&b);
}

/* Takes the lock; with `reread` (or before the first load) it first re-reads the fixture (outside
 * the lock) and re-parses it if its bytes changed since the last load. Calls that start a new look
 * at a server (open, enumerate, console id, pid lookup) re-read; per-session queries and actions
 * use what the last of those saw, as they would see a server between two enumerations (and a list
 * of 5,000 sessions does not re-read the file 20,000 times). Returns with the lock HELD. */
static void enter_locked_reread(int reread) {
  if (!reread) {
    dbl_lock();
    if (g_loaded) return;
    dbl_unlock();
  }
  size_t len = 0;
  char *path = NULL;
  char *bytes = dbl_read_env_file("WTSDOUBLE_FIXTURE", &len, &path);
  dbl_lock();
  int present = bytes != NULL;
  if (!g_loaded || present != g_fixture_present ||
      (present && (len != g_fixture_len || memcmp(bytes, g_fixture_bytes, len) != 0))) {
    free_config(&g_cfg);
    free(g_fixture_bytes);
    g_fixture_bytes = bytes;
    g_fixture_len = len;
    g_fixture_present = present;
    g_loaded = 1;
    if (bytes) {
      char *copy = malloc(len + 1);
      if (copy) {
        memcpy(copy, bytes, len);
        copy[len] = 0;
        parse_fixture(copy, &g_cfg, path);
        free(copy);
      }
    }
    if (!find_server(&g_cfg, ".")) add_server(&g_cfg, "."); /* the local server always exists */
    bytes = NULL;
  }
  free(bytes);
  free(path);
}

static void enter_locked(void) { enter_locked_reread(1); }

/* ---- lookups (lock held) ---- */
static Handle *find_handle(void *h) {
  for (Handle *x = g_handles; x; x = x->next)
    if ((void *)x == h) return x;
  return NULL;
}
/* Server name for a handle: NULL handle = local ("."). Returns NULL for an invalid handle. */
static const char *handle_server(void *h) {
  if (!h) return ".";
  Handle *x = find_handle(h);
  return x ? x->server : NULL;
}
static int is_local(const char *name) { return strcmp(name, ".") == 0; }
/* The local server always exists, even if the fixture does not list it. */
static Server *lookup_server(const char *name) {
  return find_server(&g_cfg, name); /* "." is always present after enter_locked() */
}
/* Callers ask about sessions in enumeration order (and several classes of one session in a row),
 * so the last hit and the one after it are tried first: a listing of thousands of sessions stays
 * linear instead of quadratic. */
static Session *find_session(Server *sv, uint32_t id) {
  for (size_t k = 0; k < 2; k++) {
    size_t i = sv->hint + k;
    if (i < sv->n && sv->s[i].id == id) { sv->hint = i; return &sv->s[i]; }
  }
  for (size_t i = 0; i < sv->n; i++)
    if (sv->s[i].id == id) { sv->hint = i; return &sv->s[i]; }
  return NULL;
}
static uint32_t console_of(Server *sv) {
  if (sv->console_set) return sv->console;
  for (size_t i = 0; i < sv->n; i++) {
    char *w = utf16_to_8(sv->s[i].winstation, u16len(sv->s[i].winstation));
    int is_console = w && ascii_ieq(w, "Console");
    free(w);
    if (is_console) return sv->s[i].id;
  }
  return 0xFFFFFFFFu;
}
/* WTS_CURRENT_SESSION: the session of the calling process (fixture `self`, else the console). */
static int resolve_session(const char *server, uint32_t *id) {
  if (*id != WTS_CURRENT_SESSION) return 1;
  if (!is_local(server)) return 0;
  if (g_cfg.self_set) { *id = g_cfg.self; return 1; }
  Server *sv = lookup_server(".");
  *id = sv ? console_of(sv) : 0xFFFFFFFFu;
  return 1;
}

static void *track_alloc(size_t bytes, int kind, uint32_t count, const char *fn) {
  void *p = calloc(1, bytes ? bytes : 1);
  if (!p) return NULL;
  Block *b = malloc(sizeof *b);
  if (!b) { free(p); return NULL; }
  b->p = p;
  b->kind = kind;
  b->count = count;
  b->next = g_blocks;
  g_blocks = b;
  g_live++;
  Buf l;
  log_begin(&l, "alloc");
  buf_printf(&l, " ptr=0x%" PRIxPTR " kind=%s fn=%s count=%" PRIu32 " bytes=%zu", (uintptr_t)p,
             kind_name(kind), fn, count, bytes);
  log_line(&l);
  return p;
}

/* ---- call bracket for functions that use a server handle ---- */
typedef struct {
  const char *fn;
  char server[512];
  int64_t t0;
  uint32_t saved_error;
} Call;

/* Validates the handle, applies the server's latency (lock released while sleeping) and its
 * `fail` code. Returns 0 with the lock HELD, or a Win32 error code with the lock RELEASED. */
static uint32_t call_begin(Call *c, void *h, int reread) {
  uint32_t latency = 0, fail = 0;
  enter_locked_reread(reread);
  const char *name = handle_server(h);
  if (!name) {
    snprintf(c->server, sizeof c->server, "%s", "-");
    dbl_unlock();
    return ERROR_INVALID_HANDLE;
  }
  snprintf(c->server, sizeof c->server, "%s", name);
  Server *sv = lookup_server(name);
  if (!sv) {
    dbl_unlock();
    return RPC_S_SERVER_UNAVAILABLE; /* unknown host: unreachable */
  }
  latency = sv->latency_ms;
  fail = sv->fail;
  dbl_unlock();
  if (latency) dbl_sleep_ms(latency);
  if (fail) return fail;
  dbl_lock();
  if (!lookup_server(c->server)) { /* fixture swapped meanwhile */
    dbl_unlock();
    return RPC_S_SERVER_UNAVAILABLE;
  }
  return 0;
}

/* Writes the common trailer of a call event; call with the lock held. */
static void call_log_tail(Buf *b, const Call *c, uint32_t err) {
  if (b->off) return;
  buf_printf(b, " ok=%d error=%" PRIu32 " t0=%" PRId64 " t1=%" PRId64, err ? 0 : 1, err, c->t0,
             dbl_now_us());
}

static DBL_BOOL finish(uint32_t err, uint32_t saved) {
  if (err) {
    dbl_set_last_error(err);
    return 0;
  }
  dbl_set_last_error(saved); /* success leaves the caller's last error as it was */
  return 1;
}

/* ============================ exported API ============================ */

#ifndef _WIN32
DBL_API uint32_t GetLastError(void) { return dbl_get_last_error(); }
DBL_API void SetLastError(uint32_t code) { dbl_set_last_error(code); }
#endif

static void *open_server(const char16_t *name, const char *fn) {
  uint32_t saved = dbl_get_last_error();
  char *u = name ? utf16_to_8(name, u16len(name)) : NULL;
  const char *server = (!u || !*u || strcmp(u, ".") == 0) ? "." : u;
  enter_locked();
  Handle *h = malloc(sizeof *h);
  if (h) {
    h->server = xstrdup(server);
    h->next = g_handles;
    g_handles = h;
  }
  Buf b;
  log_begin(&b, "open");
  buf_printf(&b, " fn=%s server=", fn);
  buf_enc(&b, server);
  buf_printf(&b, " handle=0x%" PRIxPTR, (uintptr_t)h);
  log_line(&b);
  dbl_unlock();
  free(u);
  /* Like the real API, opening never contacts the server: latency and failures show up on the
   * first call that uses the handle. */
  dbl_set_last_error(saved);
  return h;
}

DBL_API void *WTSOpenServerW(char16_t *pServerName) { return open_server(pServerName, "WTSOpenServerW"); }
DBL_API void *WTSOpenServerExW(char16_t *pServerName) { return open_server(pServerName, "WTSOpenServerExW"); }

DBL_API void WTSCloseServer(void *hServer) {
  uint32_t saved = dbl_get_last_error();
  enter_locked();
  Handle **pp = &g_handles, *found = NULL;
  while (*pp) {
    if ((void *)*pp == hServer) {
      found = *pp;
      *pp = found->next;
      break;
    }
    pp = &(*pp)->next;
  }
  Buf b;
  log_begin(&b, "close");
  buf_printf(&b, " handle=0x%" PRIxPTR " server=", (uintptr_t)hServer);
  buf_enc(&b, found ? found->server : NULL);
  buf_printf(&b, " ok=%d", found ? 1 : 0);
  log_line(&b);
  dbl_unlock();
  if (found) {
    free(found->server);
    free(found);
  }
  dbl_set_last_error(saved);
}

static void log_call(const Call *c, int has_session, uint32_t session, int has_class, int32_t cls,
                     uint32_t count, uint32_t err) {
  Buf b;
  log_begin(&b, "call");
  buf_printf(&b, " fn=%s server=", c->fn);
  buf_enc(&b, c->server);
  if (has_session) buf_printf(&b, " session=%" PRIu32, session);
  else buf_putn(&b, " session=-", 10);
  if (has_class) buf_printf(&b, " class=%" PRId32, cls);
  else buf_putn(&b, " class=-", 8);
  buf_printf(&b, " count=%" PRIu32, count);
  call_log_tail(&b, c, err);
  log_line(&b);
}

DBL_API DBL_BOOL WTSEnumerateSessionsW(void *hServer, uint32_t Reserved, uint32_t Version,
                                       DBL_WTS_SESSION_INFOW **ppSessionInfo, uint32_t *pCount) {
  Call c = {"WTSEnumerateSessionsW", "", dbl_now_us(), dbl_get_last_error()};
  uint32_t err = 0, count = 0;
  if (Reserved != 0 || Version != 1 || !ppSessionInfo || !pCount) {
    err = ERROR_INVALID_PARAMETER;
    enter_locked();
    const char *n = handle_server(hServer);
    snprintf(c.server, sizeof c.server, "%s", n ? n : "-");
  } else if ((err = call_begin(&c, hServer, 1)) != 0) {
    dbl_lock();
  } else if (lookup_server(c.server)->classic_fail) {
    err = lookup_server(c.server)->classic_fail; /* classic_fail: see wtsdouble.h */
  } else {
    Server *sv = lookup_server(c.server);
    size_t bytes = sv->n * sizeof(DBL_WTS_SESSION_INFOW);
    for (size_t i = 0; i < sv->n; i++) bytes += (u16len(sv->s[i].winstation) + 1) * 2;
    DBL_WTS_SESSION_INFOW *arr = track_alloc(bytes, KIND_SESSIONS, (uint32_t)sv->n, c.fn);
    if (!arr) err = 8; /* ERROR_NOT_ENOUGH_MEMORY */
    else {
      char16_t *strings = (char16_t *)(arr + sv->n);
      for (size_t i = 0; i < sv->n; i++) {
        size_t L = u16len(sv->s[i].winstation);
        memcpy(strings, sv->s[i].winstation, (L + 1) * 2);
        arr[i].SessionId = sv->s[i].id;
        arr[i].pWinStationName = strings;
        arr[i].State = sv->s[i].state;
        strings += L + 1;
      }
      count = (uint32_t)sv->n;
      *ppSessionInfo = arr;
      *pCount = count;
    }
  }
  log_call(&c, 0, 0, 0, 0, count, err);
  dbl_unlock();
  return finish(err, c.saved_error);
}

DBL_API DBL_BOOL WTSEnumerateSessionsExW(void *hServer, uint32_t *pLevel, uint32_t Filter,
                                         DBL_WTS_SESSION_INFO_1W **ppSessionInfo, uint32_t *pCount) {
  Call c = {"WTSEnumerateSessionsExW", "", dbl_now_us(), dbl_get_last_error()};
  uint32_t err = 0, count = 0;
  if (!pLevel || *pLevel != 1 || Filter != 0 || !ppSessionInfo || !pCount) {
    err = ERROR_INVALID_PARAMETER;
    enter_locked();
    const char *n = handle_server(hServer);
    snprintf(c.server, sizeof c.server, "%s", n ? n : "-");
  } else if ((err = call_begin(&c, hServer, 1)) != 0) {
    dbl_lock();
  } else if (lookup_server(c.server)->win60) {
    err = RPC_S_PROCNUM_OUT_OF_RANGE; /* version=6.0: see wtsdouble.h */
  } else {
    Server *sv = lookup_server(c.server);
    size_t bytes = sv->n * sizeof(DBL_WTS_SESSION_INFO_1W);
    for (size_t i = 0; i < sv->n; i++) {
      Session *s = &sv->s[i];
      bytes += (u16len(s->winstation) + 1) * 2;
      if (s->user && s->user[0]) bytes += (u16len(s->user) + 1) * 2 + (u16len(s->domain) + 1) * 2;
    }
    DBL_WTS_SESSION_INFO_1W *arr = track_alloc(bytes, KIND_SESSIONS1, (uint32_t)sv->n, c.fn);
    if (!arr) err = 8;
    else {
      char16_t *str = (char16_t *)(arr + sv->n);
      for (size_t i = 0; i < sv->n; i++) {
        Session *s = &sv->s[i];
        /* ExecEnvId: "uniquely identifies the session within the list"; deliberately 1000+index so
         * that it never equals SessionId and a mis-declared struct is noticed. */
        arr[i].ExecEnvId = 1000u + (uint32_t)i;
        arr[i].State = s->state;
        arr[i].SessionId = s->id;
        size_t L = u16len(s->winstation);
        memcpy(str, s->winstation, (L + 1) * 2);
        arr[i].pSessionName = str;
        str += L + 1;
        arr[i].pHostName = NULL;
        arr[i].pFarmName = NULL;
        if (s->user && s->user[0]) { /* NULL user/domain when nobody is logged on */
          L = u16len(s->user);
          memcpy(str, s->user, (L + 1) * 2);
          arr[i].pUserName = str;
          str += L + 1;
          L = u16len(s->domain);
          if (L) memcpy(str, s->domain, L * 2);
          str[L] = 0;
          arr[i].pDomainName = str;
          str += L + 1;
        } else {
          arr[i].pUserName = NULL;
          arr[i].pDomainName = NULL;
        }
      }
      count = (uint32_t)sv->n;
      *ppSessionInfo = arr;
      *pCount = count;
      /* pLevel is left as 1 */
    }
  }
  log_call(&c, 0, 0, 0, 0, count, err);
  dbl_unlock();
  return finish(err, c.saved_error);
}

static int32_t session_flags(const Server *sv, const Session *s) {
  if (s->locked < 0) return WTS_SESSIONSTATE_UNKNOWN;
  int locked = s->locked == 1;
  if (sv->win61) locked = !locked; /* documented Win7/2008R2 defect: the values are reversed */
  return locked ? WTS_SESSIONSTATE_LOCK : WTS_SESSIONSTATE_UNLOCK;
}
static int64_t cur_time(const Session *s) { return s->current ? s->current : dbl_now_filetime(); }
static const char16_t k_empty[1] = {0};
static const char16_t *nz(const char16_t *s) { return s ? s : k_empty; }

/* WTSCLIENTW.ClientAddress: IPv4 as dotted text in UTF-16 ("string format", Microsoft's WTSCLIENT
 * remarks); IPv6 and raw addresses as bytes from the array's start ("binary form"; the offset is
 * not documented, wts-api.md 7.6). */
static void client_info_address(const Session *s, uint16_t out[DBL_CLIENTADDRESS_LENGTH + 1]) {
  if (s->family == AF_INET_WIN) {
    char text[16];
    snprintf(text, sizeof text, "%u.%u.%u.%u", s->address[2], s->address[3], s->address[4], s->address[5]);
    for (size_t i = 0; text[i]; i++) out[i] = (uint16_t)(unsigned char)text[i];
  } else if (s->family == AF_INET6_WIN) {
    memcpy(out, s->address + 2, 16);
  } else if (s->family != 0) {
    memcpy(out, s->address, 20);
  }
}

/* Builds the buffer for one info class (lock held). Returns 0 or an error code. */
static uint32_t query_build(const Call *c, Server *sv, Session *s, int32_t cls, void **out,
                            uint32_t *outBytes) {
  const char16_t *str = NULL;
  uint8_t scratch[sizeof(DBL_WTSCLIENTW)]; /* the largest buffer any class returns */
  size_t size = 0;
  memset(scratch, 0, sizeof scratch);
  uint32_t base = s->id;
  switch (cls) {
  case 0: case 1: case 2: case 3: case 11: /* InitialProgram, ApplicationName, WorkingDirectory, OEMId, ClientDirectory */
    str = k_empty;
    break;
  case 4: { uint32_t v = s->id; memcpy(scratch, &v, 4); size = 4; break; }
  case 5: str = nz(s->user); break;
  case 6: str = nz(s->winstation); break;
  case 7: str = (s->user && s->user[0]) ? nz(s->domain) : k_empty; break;
  case 8: { int32_t v = s->state; memcpy(scratch, &v, 4); size = 4; break; }
  case 9: { uint32_t v = s->protocol == 2 ? 19041u : 0u; memcpy(scratch, &v, 4); size = 4; break; }
  case 10: str = nz(s->client); break;
  case 12: { uint16_t v = s->protocol == 2 ? 1 : 0; memcpy(scratch, &v, 2); size = 2; break; }
  case 13: { uint32_t v = 0; memcpy(scratch, &v, 4); size = 4; break; }
  case 14: {
    DBL_WTS_CLIENT_ADDRESS a;
    memset(&a, 0, sizeof a);
    a.AddressFamily = s->family;
    memcpy(a.Address, s->address, 20);
    memcpy(scratch, &a, sizeof a);
    size = sizeof a;
    break;
  }
  case 15: {
    DBL_WTS_CLIENT_DISPLAY d = {0, 0, 0};
    if (s->protocol == 2) { d.HorizontalResolution = 1920; d.VerticalResolution = 1080; d.ColorDepth = 32; }
    memcpy(scratch, &d, sizeof d);
    size = sizeof d;
    break;
  }
  case 16: { uint16_t v = s->protocol; memcpy(scratch, &v, 2); size = 2; break; }
  case 17: case 18: case 19: case 20: case 21: case 22:
    return ERROR_NOT_SUPPORTED; /* documented: these classes do not work */
  case 23: {
    DBL_WTSCLIENTW w;
    memset(&w, 0, sizeof w);
    copy_fixed(w.ClientName, DBL_CLIENTNAME_LENGTH + 1, nz(s->client));
    copy_fixed(w.Domain, DBL_DOMAIN_LENGTH + 1, (s->user && s->user[0]) ? nz(s->domain) : k_empty);
    copy_fixed(w.UserName, DBL_USERNAME_LENGTH + 1, nz(s->user));
    w.EncryptionLevel = s->protocol == 2 ? 2 : 0;
    w.ClientAddressFamily = s->family;
    client_info_address(s, w.ClientAddress);
    if (s->protocol == 2) { w.HRes = 1920; w.VRes = 1080; w.ColorDepth = 32; }
    w.ClientBuildNumber = s->protocol == 2 ? 19041u : 0u;
    w.ClientProductId = s->protocol == 2 ? 1 : 0;
    memcpy(scratch, &w, sizeof w);
    size = sizeof w;
    break;
  }
  case 24: {
    DBL_WTSINFOW w;
    memset(&w, 0, sizeof w);
    w.State = s->state;
    w.SessionId = s->id;
    w.IncomingBytes = 100000u + base;
    w.OutgoingBytes = 200000u + base;
    w.IncomingFrames = 300000u + base;
    w.OutgoingFrames = 400000u + base;
    w.IncomingCompressedBytes = 500000u + base;
    w.OutgoingCompressedBytes = 600000u + base;
    copy_fixed(w.WinStationName, DBL_WINSTATIONNAME_LENGTH, nz(s->winstation));
    copy_fixed(w.Domain, DBL_DOMAIN_LENGTH, (s->user && s->user[0]) ? nz(s->domain) : k_empty);
    copy_fixed(w.UserName, DBL_USERNAME_LENGTH + 1, nz(s->user));
    w.ConnectTime = s->connect;
    w.DisconnectTime = s->disconnect;
    w.LastInputTime = s->lastinput;
    w.LogonTime = s->logon;
    w.CurrentTime = cur_time(s);
    memcpy(scratch, &w, sizeof w);
    size = sizeof w;
    break;
  }
  case 25: {
    DBL_WTSINFOEXW x;
    memset(&x, 0, sizeof x);
    x.Level = 1;
    DBL_WTSINFOEX_LEVEL1_W *l = &x.Data.WTSInfoExLevel1;
    l->SessionId = s->id;
    l->SessionState = s->state;
    l->SessionFlags = session_flags(sv, s);
    copy_fixed(l->WinStationName, DBL_WINSTATIONNAME_LENGTH + 1, nz(s->winstation));
    copy_fixed(l->UserName, DBL_USERNAME_LENGTH + 1, nz(s->user));
    copy_fixed(l->DomainName, DBL_DOMAIN_LENGTH + 1, (s->user && s->user[0]) ? nz(s->domain) : k_empty);
    l->LogonTime = s->logon;
    l->ConnectTime = s->connect;
    l->DisconnectTime = s->disconnect;
    l->LastInputTime = s->lastinput;
    l->CurrentTime = cur_time(s);
    l->IncomingBytes = 100000u + base;
    l->OutgoingBytes = 200000u + base;
    l->IncomingFrames = 300000u + base;
    l->OutgoingFrames = 400000u + base;
    l->IncomingCompressedBytes = 500000u + base;
    l->OutgoingCompressedBytes = 600000u + base;
    memcpy(scratch, &x, sizeof x);
    size = sizeof x;
    break;
  }
  default:
    if (cls >= 26 && cls <= 31) return ERROR_NOT_SUPPORTED; /* not implemented by the double */
    return ERROR_INVALID_PARAMETER;
  }
  const void *src = scratch;
  if (str) {
    size = (u16len(str) + 1) * 2; /* bytes including the terminating NUL */
    src = str;
  }
  void *p = track_alloc(size, KIND_QUERY, 1, c->fn);
  if (!p) return 8;
  memcpy(p, src, size);
  *out = p;
  *outBytes = (uint32_t)size;
  return 0;
}

DBL_API DBL_BOOL WTSQuerySessionInformationW(void *hServer, uint32_t SessionId, int32_t WTSInfoClass,
                                             char16_t **ppBuffer, uint32_t *pBytesReturned) {
  Call c = {"WTSQuerySessionInformationW", "", dbl_now_us(), dbl_get_last_error()};
  uint32_t err = 0, id = SessionId;
  if (!ppBuffer || !pBytesReturned) {
    err = ERROR_INVALID_PARAMETER;
    enter_locked();
    const char *n = handle_server(hServer);
    snprintf(c.server, sizeof c.server, "%s", n ? n : "-");
  } else if ((err = call_begin(&c, hServer, 0)) != 0) {
    dbl_lock();
  } else {
    Server *sv = lookup_server(c.server);
    Session *s = NULL;
    if (!resolve_session(c.server, &id)) err = ERROR_INVALID_PARAMETER; /* WTS_CURRENT_SESSION on a remote server */
    else if (!(s = find_session(sv, id))) err = ERROR_CTX_WINSTATION_NOT_FOUND;
    else if (s->deny & DENY_QUERY) err = ERROR_ACCESS_DENIED;
    else if (s->query_fail && (s->query_fail_class < 0 || s->query_fail_class == WTSInfoClass)) err = s->query_fail;
    else if (sv->win60 && WTSInfoClass == 25) err = RPC_S_PROCNUM_OUT_OF_RANGE; /* WTSSessionInfoEx, version=6.0: see wtsdouble.h */
    else err = query_build(&c, sv, s, WTSInfoClass, (void **)ppBuffer, pBytesReturned);
  }
  log_call(&c, 1, id, 1, WTSInfoClass, 0, err);
  dbl_unlock();
  return finish(err, c.saved_error);
}

static Block *take_block(void *p, Block ***prev) {
  Block **pp = &g_blocks;
  while (*pp) {
    if ((*pp)->p == p) {
      *prev = pp;
      return *pp;
    }
    pp = &(*pp)->next;
  }
  return NULL;
}
static void log_free(const char *event, void *p, const char *fn, int kind, int has_tc, int32_t type,
                     uint32_t count, const char *reason) {
  Buf b;
  log_begin(&b, event);
  buf_printf(&b, " ptr=0x%" PRIxPTR " fn=%s kind=%s", (uintptr_t)p, fn, kind ? kind_name(kind) : "-");
  if (has_tc) buf_printf(&b, " type=%" PRId32 " count=%" PRIu32, type, count);
  else buf_putn(&b, " type=- count=-", 15);
  if (reason) {
    buf_putn(&b, " reason=", 8);
    buf_enc(&b, reason);
  }
  log_line(&b);
}

/* The WTS_TYPE_CLASS a buffer of this kind must be freed with (WTSFreeMemoryExW only); -1: any. */
static int32_t ex_type(int kind) {
  return kind == KIND_SESSIONS1 ? WTSTypeSessionInfoLevel1 : kind == KIND_PROCESSES1 ? WTSTypeProcessInfoLevel1 : -1;
}

DBL_API void WTSFreeMemory(void *pMemory) {
  uint32_t saved = dbl_get_last_error();
  if (!pMemory) return;
  dbl_lock();
  Block **prev = NULL, *b = take_block(pMemory, &prev);
  if (!b) {
    log_free("badfree", pMemory, "WTSFreeMemory", 0, 0, 0, 0, "unknown pointer (double free?)");
  } else if (ex_type(b->kind) >= 0) {
    /* documented: WTS_SESSION_INFO_1 and WTS_PROCESS_INFO_EX buffers must be freed with
     * WTSFreeMemoryEx; not freed here */
    log_free("badfree", pMemory, "WTSFreeMemory", b->kind, 0, 0, 0,
             b->kind == KIND_SESSIONS1 ? "WTS_SESSION_INFO_1 needs WTSFreeMemoryExW" : "WTS_PROCESS_INFO_EX needs WTSFreeMemoryExW");
  } else {
    *prev = b->next;
    g_live--;
    log_free("free", pMemory, "WTSFreeMemory", b->kind, 0, 0, 0, NULL);
    free(b->p);
    free(b);
  }
  dbl_unlock();
  dbl_set_last_error(saved);
}

DBL_API DBL_BOOL WTSFreeMemoryExW(int32_t WTSTypeClass, void *pMemory, uint32_t NumberOfEntries) {
  uint32_t saved = dbl_get_last_error();
  uint32_t err = 0;
  dbl_lock();
  Block **prev = NULL, *b = pMemory ? take_block(pMemory, &prev) : NULL;
  if (!b) {
    err = ERROR_INVALID_PARAMETER;
    log_free("badfree", pMemory, "WTSFreeMemoryExW", 0, 1, WTSTypeClass, NumberOfEntries, "unknown pointer (double free?)");
  } else if (ex_type(b->kind) >= 0 && WTSTypeClass != ex_type(b->kind)) {
    err = ERROR_INVALID_PARAMETER;
    log_free("badfree", pMemory, "WTSFreeMemoryExW", b->kind, 1, WTSTypeClass, NumberOfEntries, "wrong WTS_TYPE_CLASS");
  } else if (ex_type(b->kind) >= 0 && NumberOfEntries != b->count) {
    err = ERROR_INVALID_PARAMETER;
    log_free("badfree", pMemory, "WTSFreeMemoryExW", b->kind, 1, WTSTypeClass, NumberOfEntries, "wrong NumberOfEntries");
  } else if (ex_type(b->kind) < 0 && (WTSTypeClass < 0 || WTSTypeClass > 2)) {
    err = ERROR_INVALID_PARAMETER;
    log_free("badfree", pMemory, "WTSFreeMemoryExW", b->kind, 1, WTSTypeClass, NumberOfEntries, "bad WTS_TYPE_CLASS");
  } else {
    /* documented: "To free other buffers, you can call WTSFreeMemory or WTSFreeMemoryEx" */
    *prev = b->next;
    g_live--;
    log_free("free", pMemory, "WTSFreeMemoryExW", b->kind, 1, WTSTypeClass, NumberOfEntries, NULL);
    free(b->p);
    free(b);
  }
  dbl_unlock();
  return finish(err, saved);
}

/* Disconnect / logoff share the shape: validate handle + session, mutate state. */
static DBL_BOOL session_action(const char *event, const char *fn, void *hServer, uint32_t SessionId,
                               DBL_BOOL bWait) {
  Call c = {fn, "", dbl_now_us(), dbl_get_last_error()};
  uint32_t err = 0, id = SessionId;
  int logoff = strcmp(event, "logoff") == 0;
  if ((err = call_begin(&c, hServer, 0)) != 0) {
    dbl_lock();
  } else {
    Server *sv = lookup_server(c.server);
    Session *s = NULL;
    if (!resolve_session(c.server, &id)) err = ERROR_INVALID_PARAMETER;
    else if (!(s = find_session(sv, id))) err = ERROR_CTX_WINSTATION_NOT_FOUND;
    else if (s->deny & (logoff ? DENY_LOGOFF : DENY_DISCONNECT)) err = ERROR_ACCESS_DENIED;
    else if (logoff) {
      size_t idx = (size_t)(s - sv->s);
      free_session(s);
      memmove(&sv->s[idx], &sv->s[idx + 1], (sv->n - idx - 1) * sizeof *s);
      sv->n--;
    } else {
      s->state = STATE_DISCONNECTED;
      s->disconnect = dbl_now_filetime();
    }
  }
  Buf b;
  log_begin(&b, event);
  buf_printf(&b, " fn=%s server=", fn);
  buf_enc(&b, c.server);
  buf_printf(&b, " session=%" PRIu32 " wait=%" PRId32, id, bWait);
  call_log_tail(&b, &c, err);
  log_line(&b);
  dbl_unlock();
  return finish(err, c.saved_error);
}

DBL_API DBL_BOOL WTSDisconnectSession(void *hServer, uint32_t SessionId, DBL_BOOL bWait) {
  return session_action("disconnect", "WTSDisconnectSession", hServer, SessionId, bWait);
}
DBL_API DBL_BOOL WTSLogoffSession(void *hServer, uint32_t SessionId, DBL_BOOL bWait) {
  return session_action("logoff", "WTSLogoffSession", hServer, SessionId, bWait);
}

/* Reads at most bytes/2 UTF-16 units but stops at a NUL (so an over-long length cannot make the
 * double read past a NUL-terminated buffer). Returns the units read. */
static size_t text_units(const char16_t *p, uint32_t bytes) {
  size_t n = 0;
  if (!p) return 0;
  while (n < bytes / 2 && p[n]) n++;
  return n;
}

DBL_API DBL_BOOL WTSSendMessageW(void *hServer, uint32_t SessionId, char16_t *pTitle, uint32_t TitleLength,
                                 char16_t *pMessage, uint32_t MessageLength, uint32_t Style,
                                 uint32_t Timeout, uint32_t *pResponse, DBL_BOOL bWait) {
  Call c = {"WTSSendMessageW", "", dbl_now_us(), dbl_get_last_error()};
  uint32_t err = 0, id = SessionId, response = 0;
  size_t tu = text_units(pTitle, TitleLength), mu = text_units(pMessage, MessageLength);
  char *title = pTitle ? utf16_to_8(pTitle, tu) : NULL;
  char *message = pMessage ? utf16_to_8(pMessage, mu) : NULL;
  if (!pResponse) {
    err = ERROR_INVALID_PARAMETER;
    enter_locked();
    const char *n = handle_server(hServer);
    snprintf(c.server, sizeof c.server, "%s", n ? n : "-");
  } else if ((err = call_begin(&c, hServer, 0)) != 0) {
    dbl_lock();
  } else {
    Server *sv = lookup_server(c.server);
    Session *s = NULL;
    if (!resolve_session(c.server, &id)) err = ERROR_INVALID_PARAMETER;
    else if (!(s = find_session(sv, id))) err = ERROR_CTX_WINSTATION_NOT_FOUND;
    else if (s->deny & DENY_MESSAGE) err = ERROR_ACCESS_DENIED;
    else if (!bWait) response = IDASYNC;
    else {
      uint32_t wait_ms, reply = s->reply, reply_ms = s->reply_ms;
      int none = s->reply_none;
      if (none || (Timeout && (uint64_t)reply_ms >= (uint64_t)Timeout * 1000u)) {
        wait_ms = Timeout ? Timeout * 1000u : reply_ms; /* Timeout 0 + nobody answers: see README */
        response = IDTIMEOUT;
      } else {
        wait_ms = reply_ms;
        response = reply;
      }
      dbl_unlock(); /* the "user" thinks without the lock held */
      if (wait_ms) dbl_sleep_ms(wait_ms);
      dbl_lock();
    }
    if (!err) *pResponse = response;
  }
  Buf b;
  log_begin(&b, "message");
  buf_printf(&b, " fn=WTSSendMessageW server=");
  buf_enc(&b, c.server);
  buf_printf(&b,
             " session=%" PRIu32 " title_bytes=%" PRIu32 " message_bytes=%" PRIu32 " style=%" PRIu32
             " timeout=%" PRIu32 " wait=%" PRId32 " response=%" PRIu32 " title=",
             id, TitleLength, MessageLength, Style, Timeout, bWait, response);
  buf_enc(&b, title);
  buf_putn(&b, " message=", 9);
  buf_enc(&b, message);
  buf_putn(&b, " title_hex=", 11);
  buf_hex(&b, (const uint8_t *)pTitle, tu * 2);
  buf_putn(&b, " message_hex=", 13);
  buf_hex(&b, (const uint8_t *)pMessage, mu * 2);
  call_log_tail(&b, &c, err);
  log_line(&b);
  dbl_unlock();
  free(title);
  free(message);
  return finish(err, c.saved_error);
}

DBL_API uint32_t WTSGetActiveConsoleSessionId(void) {
  uint32_t saved = dbl_get_last_error();
  enter_locked();
  Server *sv = lookup_server(".");
  uint32_t id = sv ? console_of(sv) : 0xFFFFFFFFu;
  Buf b;
  log_begin(&b, "console");
  buf_printf(&b, " session=%" PRIu32, id);
  log_line(&b);
  dbl_unlock();
  dbl_set_last_error(saved);
  return id;
}

DBL_API DBL_BOOL ProcessIdToSessionId(uint32_t dwProcessId, uint32_t *pSessionId) {
  uint32_t saved = dbl_get_last_error();
  uint32_t err = 0, sid = 0xFFFFFFFFu;
  int found = 0;
  enter_locked();
  for (size_t i = 0; i < g_cfg.nprocs; i++)
    if (g_cfg.procs[i].pid == dwProcessId) { sid = g_cfg.procs[i].session; found = 1; break; }
  if (!found && dwProcessId == dbl_pid()) {
    uint32_t id = WTS_CURRENT_SESSION;
    resolve_session(".", &id);
    if (id != 0xFFFFFFFFu) { sid = id; found = 1; }
  }
  if (!pSessionId || !found) err = ERROR_INVALID_PARAMETER;
  else *pSessionId = sid;
  Buf b;
  log_begin(&b, "pid");
  buf_printf(&b, " pid=%" PRIu32 " session=%" PRIu32 " ok=%d error=%" PRIu32, dwProcessId, sid,
             err ? 0 : 1, err);
  log_line(&b);
  dbl_unlock();
  return finish(err, saved);
}

/* WTSEnumerateProcessesExW level 1: the fixture's `proc` lines of this server for SessionId
 * (WTS_ANY_SESSION: all; WTS_CURRENT_SESSION: the caller's), in listed order, in one block: the
 * WTS_PROCESS_INFO_EXW array, then the names and SIDs it points to. Level 0 is not implemented
 * (ERROR_NOT_SUPPORTED); any level but 0 and 1 sets *pLevel to 1 and fails with 87, as documented. */
DBL_API DBL_BOOL WTSEnumerateProcessesExW(void *hServer, uint32_t *pLevel, uint32_t SessionId,
                                          DBL_WTS_PROCESS_INFO_EXW **ppProcessInfo, uint32_t *pCount) {
  Call c = {"WTSEnumerateProcessesExW", "", dbl_now_us(), dbl_get_last_error()};
  uint32_t err = 0, count = 0, id = SessionId;
  if (!pLevel || *pLevel > 1 || !ppProcessInfo || !pCount) {
    if (pLevel) *pLevel = 1;
    err = ERROR_INVALID_PARAMETER;
    enter_locked();
    const char *n = handle_server(hServer);
    snprintf(c.server, sizeof c.server, "%s", n ? n : "-");
  } else if (*pLevel == 0) {
    err = ERROR_NOT_SUPPORTED;
    enter_locked();
    const char *n = handle_server(hServer);
    snprintf(c.server, sizeof c.server, "%s", n ? n : "-");
  } else if ((err = call_begin(&c, hServer, 1)) != 0) {
    dbl_lock();
  } else if (!resolve_session(c.server, &id)) {
    err = ERROR_INVALID_PARAMETER;
  } else {
    Server *sv = lookup_server(c.server);
    size_t sidx = (size_t)(sv - g_cfg.sv), bytes = 0;
    for (size_t i = 0; i < sv->np; i++) {
      Proc *p = &sv->p[i];
      if (id != WTS_ANY_SESSION && p->session != id) continue;
      count++;
      bytes += sizeof(DBL_WTS_PROCESS_INFO_EXW) + (u16len(p->name) + 1) * 2 + (p->user ? DBL_SID_BYTES : 0);
    }
    DBL_WTS_PROCESS_INFO_EXW *arr = track_alloc(bytes, KIND_PROCESSES1, count, c.fn);
    if (!arr) err = 8;
    else {
      uint8_t *heap = (uint8_t *)(arr + count);
      size_t k = 0;
      for (size_t i = 0; i < sv->np; i++) {
        Proc *p = &sv->p[i];
        if (id != WTS_ANY_SESSION && p->session != id) continue;
        DBL_WTS_PROCESS_INFO_EXW *o = &arr[k++];
        o->SessionId = p->session;
        o->ProcessId = p->pid;
        size_t L = u16len(p->name);
        memcpy(heap, nz(p->name), (L + 1) * 2);
        o->pProcessName = (char16_t *)heap;
        heap += (L + 1) * 2;
        o->pUserSid = NULL;
        if (p->user) {
          size_t first = i; /* the server's first process of the same account */
          for (size_t j = 0; j < i; j++)
            if (sv->p[j].user && u16len(sv->p[j].user) == u16len(p->user) &&
                memcmp(sv->p[j].user, p->user, u16len(p->user) * 2) == 0 &&
                u16len(sv->p[j].domain) == u16len(p->domain) &&
                (!p->domain || memcmp(sv->p[j].domain, p->domain, u16len(p->domain) * 2) == 0)) { first = j; break; }
          uint32_t subs[4] = {21, DBL_SID_TAG, (uint32_t)sidx, 1000u + (uint32_t)first};
          heap[0] = 1; /* revision */
          heap[1] = 4; /* sub-authorities */
          memset(heap + 2, 0, 5);
          heap[7] = 5; /* SECURITY_NT_AUTHORITY */
          memcpy(heap + 8, subs, sizeof subs); /* little-endian DWORDs, as on x64 */
          o->pUserSid = heap;
          heap += DBL_SID_BYTES;
        }
        o->NumberOfThreads = p->threads;
        o->HandleCount = p->handles;
        o->PagefileUsage = p->pagefile;
        o->PeakPagefileUsage = p->peakpagefile;
        o->WorkingSetSize = p->ws;
        o->PeakWorkingSetSize = p->peakws;
        o->UserTime = p->usertime;
        o->KernelTime = p->kerneltime;
      }
      *ppProcessInfo = arr;
      *pCount = count;
    }
  }
  log_call(&c, 1, id, 0, 0, count, err);
  dbl_unlock();
  return finish(err, c.saved_error);
}

static size_t u16len_n(const char16_t *s) { return s ? u16len(s) : 0; }

/* advapi32!LookupAccountSidW for the double's SIDs: the user and domain of the `proc` line the SID
 * names, on the server the SID came from (lpSystemName is logged, not used). Any other SID ->
 * ERROR_NONE_MAPPED; a buffer too small -> ERROR_INSUFFICIENT_BUFFER with the sizes needed
 * (NUL included); on success the lengths without NUL and *peUse = 1 (SidTypeUser). */
DBL_API DBL_BOOL LookupAccountSidW(const char16_t *lpSystemName, const uint8_t *Sid, char16_t *Name,
                                   uint32_t *cchName, char16_t *ReferencedDomainName,
                                   uint32_t *cchReferencedDomainName, int32_t *peUse) {
  uint32_t saved = dbl_get_last_error();
  uint32_t err = 0;
  enter_locked();
  Proc *p = NULL;
  uint32_t subs[4] = {0, 0, 0, 0};
  if (Sid && Sid[0] == 1 && Sid[1] == 4 && Sid[7] == 5) memcpy(subs, Sid + 8, sizeof subs);
  if (subs[0] == 21 && subs[1] == DBL_SID_TAG && subs[2] < g_cfg.n && subs[3] >= 1000u &&
      subs[3] - 1000u < g_cfg.sv[subs[2]].np)
    p = &g_cfg.sv[subs[2]].p[subs[3] - 1000u];
  if (!p || !p->user || !cchName || !cchReferencedDomainName || !peUse) err = ERROR_NONE_MAPPED;
  else {
    size_t nl = u16len(p->user), dl = u16len_n(p->domain);
    if (!Name || !ReferencedDomainName || *cchName < nl + 1 || *cchReferencedDomainName < dl + 1) {
      *cchName = (uint32_t)nl + 1;
      *cchReferencedDomainName = (uint32_t)dl + 1;
      err = ERROR_INSUFFICIENT_BUFFER;
    } else {
      memcpy(Name, p->user, (nl + 1) * 2);
      if (dl) memcpy(ReferencedDomainName, p->domain, dl * 2);
      ReferencedDomainName[dl] = 0;
      *cchName = (uint32_t)nl;
      *cchReferencedDomainName = (uint32_t)dl;
      *peUse = 1;
    }
  }
  char *sys = lpSystemName ? utf16_to_8(lpSystemName, u16len(lpSystemName)) : NULL;
  char *user = p && p->user && !err ? utf16_to_8(p->user, u16len(p->user)) : NULL;
  Buf b;
  log_begin(&b, "lookup");
  buf_putn(&b, " fn=LookupAccountSidW system=", 29);
  if (sys) buf_enc(&b, sys); else buf_putn(&b, "-", 1);
  buf_printf(&b, " sid=S-1-5-%" PRIu32 "-%" PRIu32 "-%" PRIu32 "-%" PRIu32 " name=", subs[0], subs[1], subs[2], subs[3]);
  if (user) buf_enc(&b, user); else buf_putn(&b, "-", 1);
  buf_printf(&b, " ok=%d error=%" PRIu32, err ? 0 : 1, err);
  log_line(&b);
  free(sys);
  free(user);
  dbl_unlock();
  return finish(err, saved);
}

/* user32!LockWorkStation: locks the caller's session (fixture `self`, else the console), which
 * then reads as locked in WTSSessionInfoEx; no such session -> FALSE, ERROR_NOT_SUPPORTED. */
DBL_API DBL_BOOL LockWorkStation(void) {
  uint32_t saved = dbl_get_last_error();
  uint32_t err = 0, id = WTS_CURRENT_SESSION;
  enter_locked();
  Server *sv = lookup_server(".");
  Session *s = NULL;
  resolve_session(".", &id);
  if (!sv || !(s = find_session(sv, id))) err = ERROR_NOT_SUPPORTED;
  else s->locked = 1;
  Buf b;
  log_begin(&b, "lock");
  buf_printf(&b, " fn=LockWorkStation session=%" PRIu32 " ok=%d error=%" PRIu32, id, err ? 0 : 1, err);
  log_line(&b);
  dbl_unlock();
  return finish(err, saved);
}

/* ---- probes for the double's own tests ---- */
#define LAYOUT(X)                                                          \
  X(sizeof(DBL_WTSINFOW), "sizeof(WTSINFOW)")                              \
  X(offsetof(DBL_WTSINFOW, ConnectTime), "WTSINFOW.ConnectTime")           \
  X(sizeof(DBL_WTSINFOEX_LEVEL1_W), "sizeof(WTSINFOEX_LEVEL1_W)")          \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, LogonTime), "WTSINFOEX_LEVEL1_W.LogonTime") \
  X(sizeof(DBL_WTSINFOEXW), "sizeof(WTSINFOEXW)")                          \
  X(offsetof(DBL_WTSINFOEXW, Data), "WTSINFOEXW.Data")                     \
  X(sizeof(DBL_WTS_SESSION_INFO_1W), "sizeof(WTS_SESSION_INFO_1W)")        \
  X(sizeof(DBL_WTS_SESSION_INFOW), "sizeof(WTS_SESSION_INFOW)")            \
  X(offsetof(DBL_WTSINFOW, UserName), "WTSINFOW.UserName")                 \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, DomainName), "WTSINFOEX_LEVEL1_W.DomainName") \
  X(offsetof(DBL_WTS_SESSION_INFOW, SessionId), "WTS_SESSION_INFOW.SessionId") \
  X(offsetof(DBL_WTS_SESSION_INFOW, pWinStationName), "WTS_SESSION_INFOW.pWinStationName") \
  X(offsetof(DBL_WTS_SESSION_INFOW, State), "WTS_SESSION_INFOW.State")     \
  X(offsetof(DBL_WTS_SESSION_INFO_1W, ExecEnvId), "WTS_SESSION_INFO_1W.ExecEnvId") \
  X(offsetof(DBL_WTS_SESSION_INFO_1W, State), "WTS_SESSION_INFO_1W.State") \
  X(offsetof(DBL_WTS_SESSION_INFO_1W, SessionId), "WTS_SESSION_INFO_1W.SessionId") \
  X(offsetof(DBL_WTS_SESSION_INFO_1W, pSessionName), "WTS_SESSION_INFO_1W.pSessionName") \
  X(offsetof(DBL_WTS_SESSION_INFO_1W, pHostName), "WTS_SESSION_INFO_1W.pHostName") \
  X(offsetof(DBL_WTS_SESSION_INFO_1W, pUserName), "WTS_SESSION_INFO_1W.pUserName") \
  X(offsetof(DBL_WTS_SESSION_INFO_1W, pDomainName), "WTS_SESSION_INFO_1W.pDomainName") \
  X(offsetof(DBL_WTS_SESSION_INFO_1W, pFarmName), "WTS_SESSION_INFO_1W.pFarmName") \
  X(offsetof(DBL_WTSINFOW, State), "WTSINFOW.State")                       \
  X(offsetof(DBL_WTSINFOW, SessionId), "WTSINFOW.SessionId")               \
  X(offsetof(DBL_WTSINFOW, IncomingBytes), "WTSINFOW.IncomingBytes")       \
  X(offsetof(DBL_WTSINFOW, OutgoingBytes), "WTSINFOW.OutgoingBytes")       \
  X(offsetof(DBL_WTSINFOW, IncomingFrames), "WTSINFOW.IncomingFrames")     \
  X(offsetof(DBL_WTSINFOW, OutgoingFrames), "WTSINFOW.OutgoingFrames")     \
  X(offsetof(DBL_WTSINFOW, IncomingCompressedBytes), "WTSINFOW.IncomingCompressedBytes") \
  X(offsetof(DBL_WTSINFOW, OutgoingCompressedBytes), "WTSINFOW.OutgoingCompressedBytes") \
  X(offsetof(DBL_WTSINFOW, WinStationName), "WTSINFOW.WinStationName")     \
  X(offsetof(DBL_WTSINFOW, Domain), "WTSINFOW.Domain")                     \
  X(offsetof(DBL_WTSINFOW, DisconnectTime), "WTSINFOW.DisconnectTime")     \
  X(offsetof(DBL_WTSINFOW, LastInputTime), "WTSINFOW.LastInputTime")       \
  X(offsetof(DBL_WTSINFOW, LogonTime), "WTSINFOW.LogonTime")               \
  X(offsetof(DBL_WTSINFOW, CurrentTime), "WTSINFOW.CurrentTime")           \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, SessionId), "WTSINFOEX_LEVEL1_W.SessionId") \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, SessionState), "WTSINFOEX_LEVEL1_W.SessionState") \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, SessionFlags), "WTSINFOEX_LEVEL1_W.SessionFlags") \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, WinStationName), "WTSINFOEX_LEVEL1_W.WinStationName") \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, UserName), "WTSINFOEX_LEVEL1_W.UserName") \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, ConnectTime), "WTSINFOEX_LEVEL1_W.ConnectTime") \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, DisconnectTime), "WTSINFOEX_LEVEL1_W.DisconnectTime") \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, LastInputTime), "WTSINFOEX_LEVEL1_W.LastInputTime") \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, CurrentTime), "WTSINFOEX_LEVEL1_W.CurrentTime") \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, IncomingBytes), "WTSINFOEX_LEVEL1_W.IncomingBytes") \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, OutgoingBytes), "WTSINFOEX_LEVEL1_W.OutgoingBytes") \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, IncomingFrames), "WTSINFOEX_LEVEL1_W.IncomingFrames") \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, OutgoingFrames), "WTSINFOEX_LEVEL1_W.OutgoingFrames") \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, IncomingCompressedBytes), "WTSINFOEX_LEVEL1_W.IncomingCompressedBytes") \
  X(offsetof(DBL_WTSINFOEX_LEVEL1_W, OutgoingCompressedBytes), "WTSINFOEX_LEVEL1_W.OutgoingCompressedBytes") \
  X(sizeof(DBL_WTS_CLIENT_ADDRESS), "sizeof(WTS_CLIENT_ADDRESS)")          \
  X(offsetof(DBL_WTS_CLIENT_ADDRESS, Address), "WTS_CLIENT_ADDRESS.Address") \
  X(sizeof(DBL_WTS_CLIENT_DISPLAY), "sizeof(WTS_CLIENT_DISPLAY)")          \
  X(sizeof(DBL_WTSCLIENTW), "sizeof(WTSCLIENTW)")                          \
  X(offsetof(DBL_WTSCLIENTW, Domain), "WTSCLIENTW.Domain")                 \
  X(offsetof(DBL_WTSCLIENTW, UserName), "WTSCLIENTW.UserName")             \
  X(offsetof(DBL_WTSCLIENTW, EncryptionLevel), "WTSCLIENTW.EncryptionLevel") \
  X(offsetof(DBL_WTSCLIENTW, ClientAddressFamily), "WTSCLIENTW.ClientAddressFamily") \
  X(offsetof(DBL_WTSCLIENTW, ClientAddress), "WTSCLIENTW.ClientAddress")   \
  X(offsetof(DBL_WTSCLIENTW, HRes), "WTSCLIENTW.HRes")                     \
  X(offsetof(DBL_WTSCLIENTW, ClientDirectory), "WTSCLIENTW.ClientDirectory") \
  X(offsetof(DBL_WTSCLIENTW, ClientBuildNumber), "WTSCLIENTW.ClientBuildNumber") \
  X(offsetof(DBL_WTSCLIENTW, ClientProductId), "WTSCLIENTW.ClientProductId") \
  X(offsetof(DBL_WTSCLIENTW, DeviceId), "WTSCLIENTW.DeviceId")

#define AS_VALUE(v, n) (uint32_t)(v),
#define AS_NAME(v, n) n ","

/* Fills out[0..max) with sizeof/offsetof values; the first 10 are the vector of wts-api.md
 * section 6. Returns the total number of entries. */
DBL_API uint32_t WtsDoubleLayout(uint32_t *out, uint32_t max) {
  static const uint32_t values[] = {LAYOUT(AS_VALUE)};
  uint32_t n = (uint32_t)(sizeof values / sizeof values[0]);
  for (uint32_t i = 0; out && i < n && i < max; i++) out[i] = values[i];
  return n;
}
/* Comma-separated names of the WtsDoubleLayout entries, in order (trailing comma). */
DBL_API const char *WtsDoubleLayoutNames(void) { return LAYOUT(AS_NAME) ""; }

/* Number of returned buffers not yet freed in this process. */
DBL_API uint32_t WtsDoubleLiveAllocs(void) {
  dbl_lock();
  uint32_t n = g_live;
  dbl_unlock();
  return n;
}

/* Forgets the loaded fixture (and every state change made by disconnect/logoff); the next call
 * re-reads WTSDOUBLE_FIXTURE. Handles and live buffers are kept. */
DBL_API void WtsDoubleReset(void) {
  dbl_lock();
  free_config(&g_cfg);
  free(g_fixture_bytes);
  g_fixture_bytes = NULL;
  g_fixture_len = 0;
  g_loaded = 0;
  dbl_unlock();
}
