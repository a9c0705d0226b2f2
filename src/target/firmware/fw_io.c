/* Semihosting calls: the firmware's files on the host. */
#include "fw.h"

enum { SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE = 0x05, SYS_READ = 0x06, SYS_EXIT_EXTENDED = 0x20 };

static uint32_t semihost(uint32_t op, const void *arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static size_t length(const char *s) {
  size_t n = 0;
  while (s[n] != '\0') {
    ++n;
  }
  return n;
}

int mote_fw_open(const char *name, int mode) {
  uint32_t block[3];
  block[0] = (uint32_t)(uintptr_t)name;
  block[1] = (uint32_t)mode;
  block[2] = (uint32_t)length(name);
  return (int)semihost(SYS_OPEN, block);
}

size_t mote_fw_read(int fh, void *buf, size_t n) {
  uint32_t block[3];
  block[0] = (uint32_t)fh;
  block[1] = (uint32_t)(uintptr_t)buf;
  block[2] = (uint32_t)n;
  /* SYS_READ returns the number of bytes it did not read. */
  return n - (size_t)semihost(SYS_READ, block);
}

int mote_fw_write(int fh, const void *buf, size_t n) {
  uint32_t block[3];
  block[0] = (uint32_t)fh;
  block[1] = (uint32_t)(uintptr_t)buf;
  block[2] = (uint32_t)n;
  return (int)semihost(SYS_WRITE, block);
}

void mote_fw_close(int fh) {
  uint32_t block[1];
  block[0] = (uint32_t)fh;
  (void)semihost(SYS_CLOSE, block);
}

void mote_fw_exit(int code) {
  uint32_t block[2];
  block[0] = 0x20026u; /* ADP_Stopped_ApplicationExit, with an exit code */
  block[1] = (uint32_t)code;
  for (;;) {
    (void)semihost(SYS_EXIT_EXTENDED, block);
  }
}
