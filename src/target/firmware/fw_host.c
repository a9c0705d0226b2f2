/* fw.h on the host: files through stdio, no instruction counter. An application firmware
 * (an example's main.c) built with this file runs natively, so that its output can be compared
 * byte for byte with the same code under QEMU. */
#include <stdio.h>
#include <stdlib.h>

#include "fw.h"

#define MAX_FILES 16

static FILE *files[MAX_FILES];

int mote_fw_open(const char *name, int mode) {
  int fh;
  for (fh = 0; fh < MAX_FILES && files[fh] != NULL; ++fh) {
  }
  if (fh == MAX_FILES || (files[fh] = fopen(name, mode == 1 ? "rb" : "wb")) == NULL) {
    return -1;
  }
  return fh;
}

size_t mote_fw_read(int fh, void *buf, size_t n) { return fread(buf, 1, n, files[fh]); }

int mote_fw_write(int fh, const void *buf, size_t n) { return fwrite(buf, 1, n, files[fh]) == n ? 0 : 1; }

void mote_fw_close(int fh) {
  fclose(files[fh]);
  files[fh] = NULL;
}

void mote_fw_exit(int code) { exit(code); }

void mote_fw_timer_start(uint32_t reload) { (void)reload; }

uint32_t mote_fw_ticks(void) { return 0; }
