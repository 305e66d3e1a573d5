/*
 * stress.c - multi-threaded driver for the wtsapi32 test double, meant to be compiled together
 * with wtsdouble.c/platform.c under -fsanitize=thread (tests/wts/double.test.ts does this).
 * Not part of the library. Written from Microsoft's documentation, independently of src/.
 *
 * usage: stress <fixture-path> <threads> <iterations>
 * Several threads open/enumerate/query/free/disconnect/logoff/message/close at once while the
 * main thread keeps rewriting the fixture. Exit status 0 = every call behaved and no buffer leaked.
 */
#define _GNU_SOURCE
#include "wtsdouble.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prototypes as documented (x64 types). */
void *WTSOpenServerW(char16_t *pServerName);
void WTSCloseServer(void *hServer);
int32_t WTSEnumerateSessionsW(void *h, uint32_t Reserved, uint32_t Version, DBL_WTS_SESSION_INFOW **pp, uint32_t *pCount);
int32_t WTSEnumerateSessionsExW(void *h, uint32_t *pLevel, uint32_t Filter, DBL_WTS_SESSION_INFO_1W **pp, uint32_t *pCount);
int32_t WTSQuerySessionInformationW(void *h, uint32_t SessionId, int32_t cls, char16_t **pp, uint32_t *pBytes);
void WTSFreeMemory(void *p);
int32_t WTSFreeMemoryExW(int32_t type, void *p, uint32_t n);
int32_t WTSDisconnectSession(void *h, uint32_t SessionId, int32_t bWait);
int32_t WTSLogoffSession(void *h, uint32_t SessionId, int32_t bWait);
int32_t WTSSendMessageW(void *h, uint32_t SessionId, char16_t *pTitle, uint32_t TitleLength, char16_t *pMessage,
                        uint32_t MessageLength, uint32_t Style, uint32_t Timeout, uint32_t *pResponse, int32_t bWait);
uint32_t WTSGetActiveConsoleSessionId(void);
uint32_t GetLastError(void);
uint32_t WtsDoubleLiveAllocs(void);

static const char *g_path;
static int g_iters;
static int g_failures;
static pthread_mutex_t g_fail_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(const char *what, uint32_t code) {
  pthread_mutex_lock(&g_fail_lock);
  g_failures++;
  fprintf(stderr, "stress: %s (error %u)\n", what, code);
  pthread_mutex_unlock(&g_fail_lock);
}

static void write_fixture(int variant) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", g_path);
  FILE *f = fopen(tmp, "wb");
  if (!f) return;
  fprintf(f, "server . version=10.0\n");
  fprintf(f, "session 0 4 Services - - - - 0 0 0 0 0 -1 0\n");
  fprintf(f, "session 1 0 Console alice CORP - - 133500000000000000 133500000000000000 0 0 0 0 0\n");
  for (int i = 0; i < 6 + variant % 3; i++)
    fprintf(f, "session %d 0 RDP-Tcp%%23%d user%%F0%%9F%%98%%80%d CORP host%d 10.0.0.%d 1 2 0 3 0 1 2\n", 2 + i, i, i, i,
            i + 1);
  fprintf(f, "session 65536 6 RDP-Tcp - - - - 0 0 0 0 0 -1 2\n");
  fprintf(f, "server hostA latency_ms=1\n");
  fprintf(f, "session 3 0 RDP-Tcp%%231 bob CORP pc ::1 1 2 0 3 0 0 2\n");
  fprintf(f, "server dead fail=1722\n");
  fclose(f);
  rename(tmp, g_path);
}

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
  static char16_t local[] = u".", hostA[] = u"hostA", dead[] = u"dead";
  for (int it = 0; it < g_iters; it++) {
    char16_t *names[] = {local, hostA, dead};
    void *h = WTSOpenServerW(names[(id + it) % 3]);
    if (!h) { fail("open", 0); continue; }
    DBL_WTS_SESSION_INFOW *s = NULL;
    uint32_t n = 0;
    if (WTSEnumerateSessionsW(h, 0, 1, &s, &n)) {
      for (uint32_t i = 0; i < n; i++) {
        char16_t *buf = NULL;
        uint32_t bytes = 0;
        for (int32_t cls = 4; cls <= 25; cls++) {
          if (WTSQuerySessionInformationW(h, s[i].SessionId, cls, &buf, &bytes)) WTSFreeMemory(buf);
          else {
            uint32_t e = GetLastError();
            if (e != 7022 && e != 50 && e != 1722) fail("query", e);
          }
        }
      }
      WTSFreeMemory(s);
    } else if (GetLastError() != 1722) {
      fail("enumerate", GetLastError());
    }
    uint32_t level = 1;
    DBL_WTS_SESSION_INFO_1W *s1 = NULL;
    if (WTSEnumerateSessionsExW(h, &level, 0, &s1, &n)) {
      if (!WTSFreeMemoryExW(2, s1, n)) fail("freeEx", GetLastError());
    }
    uint32_t target = 2 + (uint32_t)((id + it) % 6), resp = 0;
    if (!WTSDisconnectSession(h, target, 0) && GetLastError() != 7022 && GetLastError() != 1722)
      fail("disconnect", GetLastError());
    if (it % 5 == 0 && !WTSLogoffSession(h, target, 0) && GetLastError() != 7022 && GetLastError() != 1722)
      fail("logoff", GetLastError());
    static char16_t title[] = u"T", msg[] = u"hello \U0001F600";
    if (WTSSendMessageW(h, 1, title, 2, msg, (uint32_t)(sizeof msg - 2), 0, 0, &resp, 0) && resp != 32001)
      fail("message response", resp);
    (void)WTSGetActiveConsoleSessionId();
    WTSCloseServer(h);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  g_path = argv[1];
  int threads = atoi(argv[2]);
  g_iters = atoi(argv[3]);
  setenv("WTSDOUBLE_FIXTURE", g_path, 1); /* before any thread starts */
  write_fixture(0);
  pthread_t t[64];
  if (threads > 64) threads = 64;
  for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
  for (int v = 1; v < 20; v++) write_fixture(v);
  for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
  uint32_t live = WtsDoubleLiveAllocs();
  if (live) fail("live allocations at exit", live);
  printf("stress: threads=%d iterations=%d failures=%d live=%u\n", threads, g_iters, g_failures, live);
  return g_failures ? 1 : 0;
}
