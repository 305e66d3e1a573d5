/*
 * A process that is not dumpable (prctl PR_SET_DUMPABLE 0), as su, ssh-agent and any process that
 * changed its credentials are: /proc mounted with hidepid then refuses its files even to its own
 * user, who may still signal it. Prints "ready" once so, then waits for a signal to end it.
 */
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(void) {
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    perror("prctl");
    return 1;
  }
  puts("ready");
  fflush(stdout);
  for (;;) pause();
}
