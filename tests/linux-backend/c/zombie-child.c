/*
 * Leaves a child that has exited unreaped (a zombie) for as long as this program runs: forks a
 * child that exits at once, waits for that exit without reaping it (waitid with WNOWAIT), prints
 * "zombie <pid>", then waits for signals. Once this program ends, its child is reaped by init.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) _exit(0);
  siginfo_t info;
  if (waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT) != 0) return 1;
  printf("zombie %d\n", (int)child);
  fflush(stdout);
  for (;;) pause();
}
