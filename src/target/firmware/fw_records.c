/* The text records the firmware reports to the host, over whichever mote_fw_write the image
 * has (semihosting on the core, stdio in the host build of an application). */
#include "fw.h"

void mote_fw_put(int fh, const char *key, uint32_t value) {
  char text[48];
  size_t n = 0;
  int shift;
  while (key[n] != '\0' && n < 32) {
    text[n] = key[n];
    ++n;
  }
  text[n++] = ' ';
  for (shift = 28; shift >= 0; shift -= 4) {
    text[n++] = "0123456789abcdef"[(value >> shift) & 15u];
  }
  text[n++] = ' ';
  (void)mote_fw_write(fh, text, n);
}

void mote_fw_endl(int fh) { (void)mote_fw_write(fh, "\n", 1); }
