/*
 * Installed setuid root and started by an ordinary user: its real uid is hers, its effective and
 * saved uids root, so she may signal it (kill(2): her uid matches its real uid). SIGHUP does not end
 * it: it makes every uid root (setresuid), after which she may signal it no more, as a process
 * that gained root during a logoff's grace period. Prints "ready <effective uid>" once its handler
 * is set, then waits for signals.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t hangup;

static void on_hangup(int sig) {
  (void)sig;
  hangup = 1;
}

int main(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_hangup;
  if (sigaction(SIGHUP, &sa, NULL) != 0) return 1;
  printf("ready %d\n", (int)geteuid());
  fflush(stdout);
  for (;;) {
    pause();
    if (hangup && setresuid(0, 0, 0) != 0) return 1;
  }
}
