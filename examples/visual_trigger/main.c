/* Visual trigger firmware: camera frames in, one record / skip decision per frame out.
 *
 * input.bin (on a board: the device's settings in flash, then the camera's DMA buffer) starts
 * with the decision threshold, a little-endian int16 chosen on validation frames by score.py,
 * followed by 96x96 grayscale frames, one byte a pixel. Each frame's pixels are mapped to the
 * network's int8 input through a table built once, the network gives two int8 logits (no object,
 * object) on one output scale, and their difference in output codes is the frame's score: the
 * frame is recorded when the score reaches the threshold. One line per frame goes to output.bin
 * ("17 +42 record"); the instructions of each inference go to figures.txt.
 *
 * Portable C99 with no libc: everything is static, nothing is allocated. */
#include <stdint.h>
#include <string.h>

#include "../firmware_app.h"
#include "fw.h"
#include "trigger.h"

#define FRAME_BYTES 9216 /* 96 x 96 pixels */
typedef char input_is_one_frame[trigger_INPUT_SIZE == FRAME_BYTES ? 1 : -1];
typedef char two_logits[trigger_OUTPUT_SIZE == 2 ? 1 : -1];

static int8_t pixel_code[256]; /* camera byte -> the network's int8 input */
/* The frame, its bytes replaced by their codes in place: one frame buffer, not two. */
static union {
  uint8_t pixel[FRAME_BYTES];
  int8_t v[trigger_INPUT_SIZE];
  uint32_t align;
} input;
static int8_t logits[trigger_OUTPUT_SIZE];

/* The model's input quantization, q = round(p / scale) + zero point clamped to int8, once for
 * every byte value, in double precision and with halves rounded up (p >= 0) as the compiler
 * quantizes: the codes its reference and validate compute. */
static void build_pixel_table(void) {
  int32_t p;
  for (p = 0; p < 256; ++p) {
    int32_t q = (int32_t)((double)p / (double)trigger_INPUT_SCALE + 0.5) + trigger_INPUT_ZERO_POINT;
    pixel_code[p] = (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
  }
}

int main(void) {
  struct app_files files;
  uint8_t header[2];
  int32_t threshold;
  uint32_t index;
  if (!app_open(&files) || trigger_init() != 0) {
    return MOTE_FW_IO;
  }
  /* The device's setting: the threshold on the score. */
  if (mote_fw_read(files.in, header, 2) != 2) {
    return MOTE_FW_IO;
  }
  threshold = app_le16(header);
  build_pixel_table();
  mote_fw_timer_start(0xffffffu);
  for (index = 0;; ++index) {
    uint32_t t0, k;
    int32_t score;
    char line[32];
    size_t n;
    /* One frame from the camera. */
    if (mote_fw_read(files.in, input.pixel, FRAME_BYTES) != FRAME_BYTES) {
      break;
    }
    /* Pixels to the network's input codes. */
    for (k = 0; k < FRAME_BYTES; ++k) {
      input.v[k] = pixel_code[input.pixel[k]];
    }
    /* The network: two logits. */
    t0 = mote_fw_ticks();
    if (trigger_invoke(input.v, logits) != 0) {
      return MOTE_FW_STATUS;
    }
    app_ticks_since(&files, "invoke_ticks", t0);
    /* The decision: both logits share a scale, so their difference in codes ranks frames as the
     * posterior of "object" does, in integers. */
    score = (int32_t)logits[1] - (int32_t)logits[0];
    n = text_uint(line, 0, index);
    line[n++] = ' ';
    line[n++] = score < 0 ? '-' : '+';
    n = text_uint(line, n, (uint32_t)(score < 0 ? -score : score));
    n = text_str(line, n, score >= threshold ? " record\n" : " skip\n");
    if (mote_fw_write(files.out, line, n) != 0) {
      return MOTE_FW_IO;
    }
  }
  app_close(&files);
  return MOTE_FW_OK;
}
