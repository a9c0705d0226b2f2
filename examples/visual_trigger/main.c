/* Visual trigger firmware: camera frames in, one record / skip decision per frame out.
 *
 * input.bin (on a board: the device's settings in flash, then the camera's DMA buffer) starts
 * with the decision threshold, a little-endian int16 chosen on validation frames by score.py,
 * and the frames of one camera site, a little-endian uint16 (the test stream holds several
 * sites; the reference starts again at each), followed by 96x96 grayscale frames, one byte a
 * pixel.
 *
 * The camera keeps a reference view of its site: a running average of the frames it has seen,
 * in Q8 fixed point (background = (7 background + 256 frame) / 8, started from the site's first
 * frame), so slow changes of the light follow into it while an object that has just come in does
 * not; for each frame it is scaled to the frame's mean brightness. The network sees two channels per pixel, the frame and the reference, both mapped to its
 * int8 input through a table built once; it gives two int8 logits (no object, object) on one
 * output scale, and their difference in output codes is the frame's score: the frame is recorded
 * when the score reaches the threshold. One line per frame goes to output.bin ("17 +42 record");
 * the instructions of each inference go to figures.txt.
 *
 * Portable C99 with no libc: everything is static, nothing is allocated. */
#include <stdint.h>
#include <string.h>

#include "../firmware_app.h"
#include "fw.h"
#include "trigger.h"

#define FRAME_BYTES 9216    /* 96 x 96 pixels */
#define REFERENCE_SHIFT 3   /* a new frame weighs 1/8 in the reference (prepare.py's too) */
typedef char input_is_frame_and_reference[trigger_INPUT_SIZE == 2 * FRAME_BYTES ? 1 : -1];
typedef char two_logits[trigger_OUTPUT_SIZE == 2 ? 1 : -1];

static int8_t pixel_code[256]; /* camera byte -> the network's int8 input */
/* The network's input, pixel-interleaved [frame, reference] (NHWC with two channels). The camera
 * writes a frame into the upper half, and the interleaving below reads each byte before anything
 * is written over it: one buffer, not two. */
static union {
  uint8_t pixel[2 * FRAME_BYTES];
  int8_t v[trigger_INPUT_SIZE];
  uint32_t align;
} input;
static uint16_t background[FRAME_BYTES]; /* the reference view, Q8 */
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

/* The reference of pixel k for this frame: the running average rounded to a byte; the site's
 * first frame is its own reference. */
static uint32_t reference_byte(uint32_t k, uint32_t p, int first_of_site) {
  return first_of_site ? p : (background[k] + 128u) >> 8;
}

/* The frame in the upper half of the input becomes [frame, reference] pairs, the reference
 * scaled to the frame's mean brightness first (a Q8 gain: a change of the light over the whole
 * view is no object), and the running average takes the frame in. Pair k is written at bytes 2k
 * and 2k+1, never past byte FRAME_BYTES + k, which has just been read. */
static void pair_with_reference(int first_of_site) {
  const uint8_t *frame = input.pixel + FRAME_BYTES;
  uint32_t k, frame_sum = 0, reference_sum = 0, gain = 256;
  for (k = 0; k < FRAME_BYTES; ++k) {
    frame_sum += frame[k];
    reference_sum += reference_byte(k, frame[k], first_of_site);
  }
  if (reference_sum > 0) {
    gain = (frame_sum * 256u + reference_sum / 2u) / reference_sum;
  }
  for (k = 0; k < FRAME_BYTES; ++k) {
    const uint32_t p = frame[k];
    const uint32_t r = (reference_byte(k, p, first_of_site) * gain + 128u) >> 8;
    const uint32_t b = first_of_site ? p << 8 : background[k];
    input.v[2 * k] = pixel_code[p];
    input.v[2 * k + 1] = pixel_code[r > 255u ? 255u : r];
    background[k] = (uint16_t)((((1u << REFERENCE_SHIFT) - 1u) * b + (p << 8)) >> REFERENCE_SHIFT);
  }
}

int main(void) {
  struct app_files files;
  uint8_t header[4];
  int32_t threshold, site_frames;
  uint32_t index;
  if (!app_open(&files) || trigger_init() != 0) {
    return MOTE_FW_IO;
  }
  /* The device's settings: the threshold on the score, the frames of one site. */
  if (mote_fw_read(files.in, header, 4) != 4) {
    return MOTE_FW_IO;
  }
  threshold = app_le16(header);
  site_frames = (int32_t)app_leu16(header + 2);
  if (site_frames == 0) {
    return MOTE_FW_IO;
  }
  build_pixel_table();
  mote_fw_timer_start(0xffffffu);
  for (index = 0;; ++index) {
    uint32_t t0;
    int32_t score;
    char line[32];
    size_t n;
    /* One frame from the camera. */
    if (mote_fw_read(files.in, input.pixel + FRAME_BYTES, FRAME_BYTES) != FRAME_BYTES) {
      break;
    }
    pair_with_reference(index % (uint32_t)site_frames == 0);
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
