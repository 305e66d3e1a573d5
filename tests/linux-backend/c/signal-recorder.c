/*
 * Records the signals it gets. `signal-recorder [HUP] [TERM]` catches SIGHUP and SIGTERM and
 * writes each arrival to stdout as "<pid> <SIGHUP|SIGTERM> <ms>" (ms: CLOCK_MONOTONIC, the clock of
 * Node's process.hrtime). A signal named in its arguments is only recorded; the other one is
 * recorded and then ends it, by that very signal (its default action). Prints "<pid> ready [HUP]
 * [TERM]" once its handlers are set, then waits for signals. Only async-signal-safe calls in the
 * handler (signal-safety(7)).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t keep[NSIG];

/* Appends the decimal digits of n to p; returns the new end. */
static char *digits(char *p, long long n) {
  char tmp[24];
  int len = 0;
  do tmp[len++] = (char)('0' + n % 10); while ((n /= 10) > 0);
  while (len > 0) *p++ = tmp[--len];
  return p;
}

static void on_signal(int sig) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  char line[96];
  char *p = digits(line, getpid());
  const char *name = sig == SIGHUP ? " SIGHUP " : " SIGTERM ";
  memcpy(p, name, strlen(name));
  p += strlen(name);
  p = digits(p, (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
  *p++ = '\n';
  if (write(STDOUT_FILENO, line, (size_t)(p - line)) < 0) _exit(3);
  if (!keep[sig]) {
    signal(sig, SIG_DFL);
    raise(sig); /* delivered once this handler returns: ends it by that signal */
  }
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "HUP") == 0) keep[SIGHUP] = 1;
    else if (strcmp(argv[i], "TERM") == 0) keep[SIGTERM] = 1;
    else return 2;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  if (sigaction(SIGHUP, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0) return 1;
  printf("%d ready%s%s\n", (int)getpid(), keep[SIGHUP] ? " HUP" : "", keep[SIGTERM] ? " TERM" : "");
  fflush(stdout);
  for (;;) pause();
}
