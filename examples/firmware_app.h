/* What the example firmwares share: their three semihosting files (input.bin in, output.bin
 * lines out, figures.txt records) and text without printf. Portable C99, header only (each
 * firmware is one main.c). */
#ifndef EXAMPLES_FIRMWARE_APP_H
#define EXAMPLES_FIRMWARE_APP_H

#include <stdint.h>
#include <string.h>

#include "fw.h"

struct app_files {
  int in, out, fig;
};

/* Opens the three files; 0 when one of them fails. */
static int app_open(struct app_files *f) {
  f->in = mote_fw_open("input.bin", 1);
  f->out = mote_fw_open("output.bin", 5);
  f->fig = mote_fw_open("figures.txt", 5);
  return f->in >= 0 && f->out >= 0 && f->fig >= 0;
}

static void app_close(const struct app_files *f) {
  mote_fw_close(f->in);
  mote_fw_close(f->out);
  mote_fw_close(f->fig);
}

/* One record in figures.txt: the SysTick ticks from t0 to now, under key. */
static void app_ticks_since(const struct app_files *f, const char *key, uint32_t t0) {
  mote_fw_put(f->fig, key, mote_fw_ticks() - t0);
  mote_fw_endl(f->fig);
}

/* The little-endian uint16 and int16 at b (input files are little-endian whatever the core). */
static uint32_t app_leu16(const uint8_t *b) { return (uint32_t)b[0] | ((uint32_t)b[1] << 8); }
static int32_t app_le16(const uint8_t *b) { return (int32_t)(int16_t)(uint16_t)app_leu16(b); }

/* Appends the decimal digits of v to line at n; returns the new end. */
static size_t text_uint(char *line, size_t n, uint32_t v) {
  char digits[10];
  size_t d = 0;
  do {
    digits[d++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v != 0u);
  while (d > 0u) {
    line[n++] = digits[--d];
  }
  return n;
}

/* Appends the string s (without its terminating NUL) to line at n; returns the new end. */
static size_t text_str(char *line, size_t n, const char *s) {
  const size_t k = strlen(s);
  memcpy(line + n, s, k);
  return n + k;
}

#endif
