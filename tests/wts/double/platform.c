/*
 * platform.c - OS layer of the wtsapi32 test double (locking, sleeping, clock, last error,
 * environment-named files). Written independently of the project's bindings (src/).
 *
 * Linux: pthread mutex, nanosleep, errno as the "last error" (wts-api.md 5.8: koffi carries errno
 * over to async callbacks, exactly as it carries the Win32 last error on Windows).
 * Windows (x86_64-w64-mingw32): SRWLOCK, Sleep, the real kernel32 SetLastError/GetLastError
 * (the DLL forwards its GetLastError/SetLastError exports to kernel32, see wtsdouble.def).
 */
#ifndef _WIN32
#define _GNU_SOURCE /* syscall, strdup, nanosleep, clock_gettime under -std=c11 */
#endif
#include "wtsdouble.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>

static SRWLOCK g_lock = SRWLOCK_INIT;
void dbl_lock(void) { AcquireSRWLockExclusive(&g_lock); }
void dbl_unlock(void) { ReleaseSRWLockExclusive(&g_lock); }
void dbl_sleep_ms(uint32_t ms) { Sleep(ms); }
int64_t dbl_now_filetime(void) {
  FILETIME ft;
  GetSystemTimeAsFileTime(&ft);
  return (int64_t)(((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
}
int64_t dbl_now_us(void) { return (dbl_now_filetime() - INT64_C(116444736000000000)) / 10; }
uint32_t dbl_pid(void) { return (uint32_t)GetCurrentProcessId(); }
uint64_t dbl_tid(void) { return (uint64_t)GetCurrentThreadId(); }
uint32_t dbl_get_last_error(void) { return (uint32_t)GetLastError(); }
void dbl_set_last_error(uint32_t code) { SetLastError((DWORD)code); }

static wchar_t *env_path(const char *var) {
  wchar_t wvar[64];
  size_t i;
  for (i = 0; var[i] && i < 63; i++) wvar[i] = (wchar_t)var[i];
  wvar[i] = 0;
  wchar_t *v = _wgetenv(wvar);
  return (v && *v) ? v : NULL;
}
static char *to_utf8(const wchar_t *w) {
  int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
  char *s = malloc(n > 0 ? (size_t)n : 1);
  if (!s) return NULL;
  if (n <= 0) { s[0] = 0; return s; }
  WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
  return s;
}
static FILE *open_env(const char *var, const wchar_t *mode, char **path_utf8) {
  wchar_t *p = env_path(var);
  if (path_utf8) *path_utf8 = p ? to_utf8(p) : NULL;
  return p ? _wfopen(p, mode) : NULL;
}
#else
#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
void dbl_lock(void) { pthread_mutex_lock(&g_lock); }
void dbl_unlock(void) { pthread_mutex_unlock(&g_lock); }
void dbl_sleep_ms(uint32_t ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}
int64_t dbl_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
int64_t dbl_now_filetime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return INT64_C(116444736000000000) + (int64_t)ts.tv_sec * 10000000 + ts.tv_nsec / 100;
}
uint32_t dbl_pid(void) { return (uint32_t)getpid(); }
uint64_t dbl_tid(void) { return (uint64_t)syscall(SYS_gettid); }
uint32_t dbl_get_last_error(void) { return (uint32_t)errno; }
void dbl_set_last_error(uint32_t code) { errno = (int)code; }

static FILE *open_env(const char *var, const char *mode, char **path_utf8) {
  const char *p = getenv(var);
  if (p && !*p) p = NULL;
  if (path_utf8) *path_utf8 = p ? strdup(p) : NULL;
  return p ? fopen(p, mode) : NULL;
}
#endif

#ifdef _WIN32
#define MODE_READ L"rb"
#define MODE_APPEND L"ab"
#else
#define MODE_READ "rb"
#define MODE_APPEND "ab"
#endif

char *dbl_read_env_file(const char *var, size_t *len, char **path_utf8) {
  FILE *f = open_env(var, MODE_READ, path_utf8);
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap + 1);
  while (buf) {
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (n < cap) break;
    cap *= 2;
    char *nb = realloc(buf, cap + 1);
    if (!nb) { free(buf); buf = NULL; }
    else buf = nb;
  }
  fclose(f);
  if (!buf) return NULL;
  buf[n] = 0;
  *len = n;
  return buf;
}

void dbl_append_env_file(const char *var, const char *line) {
  FILE *f = open_env(var, MODE_APPEND, NULL);
  if (!f) return;
  fputs(line, f);
  fputc('\n', f);
  fflush(f);
  fclose(f);
}
