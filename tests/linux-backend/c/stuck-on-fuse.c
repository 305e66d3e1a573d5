/*
 * A process that SIGKILL does not end for as long as this program runs, as a process on a hung
 * network mount: it looks up a file on a FUSE file system whose server (this program) reads the
 * request and never answers, and once a request has reached its server the kernel waits for the
 * answer uninterruptibly (request_wait_answer in the kernel's fs/fuse/dev.c). Root only.
 *
 * `stuck-on-fuse DIR`: in a mount namespace of its own, mounts a FUSE file system on DIR, starts
 * the stuck process in a session of its own, and prints "stuck <pid>" once the server holds that
 * process's lookup. Ending this program aborts the connection; the stuck process then goes on (and
 * ends, when a fatal signal is pending).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fuse.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* A read from /dev/fuse takes a buffer of at least FUSE_MIN_READ_BUFFER (8 KiB). */
static char request[1 << 17];

static int fail(const char *what) {
  perror(what);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return fail("mount namespace");
  int fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fuse < 0) return fail("/dev/fuse");
  char options[128];
  snprintf(options, sizeof options, "fd=%d,rootmode=40000,user_id=0,group_id=0", fuse);
  if (mount("st-stuck", argv[1], "fuse", MS_NOSUID | MS_NODEV, options) != 0) return fail("mount");
  pid_t stuck = -1;
  for (;;) {
    ssize_t n = read(fuse, request, sizeof request);
    if (n < (ssize_t)sizeof(struct fuse_in_header)) return fail("read /dev/fuse");
    const struct fuse_in_header *in = (const void *)request;
    if (in->opcode == FUSE_INIT) {
      struct {
        struct fuse_out_header header;
        struct fuse_init_out init;
      } out;
      memset(&out, 0, sizeof out);
      out.header.len = sizeof out;
      out.header.unique = in->unique;
      out.init.major = FUSE_KERNEL_VERSION;
      out.init.minor = FUSE_KERNEL_MINOR_VERSION;
      out.init.max_write = 4096;
      if (write(fuse, &out, sizeof out) != (ssize_t)sizeof out) return fail("answer FUSE_INIT");
      stuck = fork();
      if (stuck < 0) return fail("fork");
      if (stuck == 0) {
        close(fuse);
        setsid();
        char path[4096];
        snprintf(path, sizeof path, "%s/x", argv[1]);
        struct stat st;
        stat(path, &st);
        _exit(0);
      }
    } else if (in->opcode == FUSE_LOOKUP && (pid_t)in->pid == stuck) {
      printf("stuck %d\n", (int)stuck);
      fflush(stdout);
    }
    /* Nothing else is answered: not the lookup, not the interrupt the kernel sends after a signal. */
  }
}
