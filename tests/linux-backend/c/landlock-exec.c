/*
 * Runs a program under a Landlock ruleset (Linux 5.13 and later; Landlock is a security module):
 * opening a file to read it, or a directory to list it, is refused with EACCES everywhere but
 * beneath the paths given, its own /proc/<pid> (the program keeps this pid), and, for listing
 * only, /proc. So other processes' /proc files answer EACCES, as a security module's policy makes
 * them (SELinux and AppArmor refuse the same way).
 *
 *   landlock-exec READABLE... -- PROGRAM ARG...
 *
 * Exits 3 when the kernel has no Landlock, 1 on any other failure before the program starts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int allow(int ruleset, const char *path, __u64 access) {
  struct stat st;
  struct landlock_path_beneath_attr rule = {.allowed_access = access};
  rule.parent_fd = open(path, O_PATH | O_CLOEXEC);
  if (rule.parent_fd < 0 || fstat(rule.parent_fd, &st) != 0) {
    perror(path);
    return -1;
  }
  // A file (not a directory) takes only the rights that apply to files.
  if (!S_ISDIR(st.st_mode)) rule.allowed_access &= LANDLOCK_ACCESS_FS_READ_FILE;
  int r = (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
  if (r != 0) perror(path);
  close(rule.parent_fd);
  return r;
}

int main(int argc, char **argv) {
  int sep = 1;
  while (sep < argc && strcmp(argv[sep], "--") != 0) sep++;
  if (sep + 1 >= argc) {
    fprintf(stderr, "usage: landlock-exec READABLE... -- PROGRAM ARG...\n");
    return 1;
  }
  const __u64 reading = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
  struct landlock_ruleset_attr attr = {.handled_access_fs = reading};
  int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (ruleset < 0) {
    perror("landlock_create_ruleset");
    return errno == ENOSYS || errno == EOPNOTSUPP ? 3 : 1;
  }
  char own[32];
  snprintf(own, sizeof own, "/proc/%d", (int)getpid());
  if (allow(ruleset, "/proc", LANDLOCK_ACCESS_FS_READ_DIR) != 0 || allow(ruleset, own, reading) != 0) return 1;
  for (int i = 1; i < sep; i++)
    if (allow(ruleset, argv[i], reading) != 0) return 1;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
    perror("landlock_restrict_self");
    return 1;
  }
  close(ruleset);
  execvp(argv[sep + 1], argv + sep + 1);
  perror(argv[sep + 1]);
  return 1;
}
