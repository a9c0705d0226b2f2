/* Vital-signs firmware: 8 s windows of ECG and temperature in, rhythm and alert out.
 *
 * Each window in input.bin (on a wearable: the ECG front end's DMA buffer and the temperature
 * sensor) is 1000 little-endian int16 ECG samples in microvolts (125 Hz) followed by the 8
 * temperature readings of the same 8 s (one a second, int16, 1/256 C). The ECG goes through the
 * network, whose largest logit is the rhythm; the temperature is tested on its own, since a
 * fever comes whatever the heart does. One line per window goes to output.bin
 * ("12 atrial_fibrillation 37.42 alert:rhythm", the alert naming
 * its reasons); the instructions of each inference go to figures.txt.
 *
 * Alert rule: every rhythm but normal sinus wants a clinician's look (atrial fibrillation for
 * its stroke risk, PVCs for their burden, tachy- and bradycardia for a rate out of range), and a
 * mean temperature of 38.0 C or more is a fever, an alert by itself even on a normal rhythm.
 *
 * Portable C99 with no libc: everything is static, nothing is allocated. */
#include <stdint.h>
#include <string.h>

#include "../firmware_app.h"
#include "fw.h"
#include "vitals.h"

#define ECG_SAMPLES 1000
#define TEMP_READINGS 8
#define FEVER_256 (38 * 256) /* 38.0 C in the sensor's 1/256 C */
#define CLASSES vitals_OUTPUT_SIZE
#define NORMAL_SINUS 0
typedef char input_is_one_window[vitals_INPUT_SIZE == ECG_SAMPLES ? 1 : -1];

/* The rhythms in the network's order (make_data.py's classes). */
static const char *const rhythms[CLASSES] = {"normal_sinus", "atrial_fibrillation", "pvc", "sinus_tachycardia",
                                             "sinus_bradycardia"};
typedef char rhythms_match_the_network[CLASSES == 5 ? 1 : -1];

static uint8_t record[2 * (ECG_SAMPLES + TEMP_READINGS)];
static union {
  int8_t v[vitals_INPUT_SIZE];
  uint32_t align;
} input;
static int8_t logits[CLASSES];

/* One ECG sample to the network's input code: mV = uV / 1000 in single precision (the
 * network's training data is exactly that), then q = round(mV / scale) + zero point in double
 * precision with halves away from zero, as the compiler quantizes, clamped to int8. */
static int8_t ecg_code(int32_t uv) {
  const double v = (double)((float)uv / 1000.0f) / (double)vitals_INPUT_SCALE;
  const int32_t q = (v >= 0.0 ? (int32_t)(v + 0.5) : -(int32_t)(0.5 - v)) + vitals_INPUT_ZERO_POINT;
  return (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
}

int main(void) {
  struct app_files files;
  uint32_t index;
  if (!app_open(&files) || vitals_init() != 0) {
    return MOTE_FW_IO;
  }
  mote_fw_timer_start(0xffffffu);
  for (index = 0;; ++index) {
    uint32_t t0, k, best = 0, centi;
    int32_t temp_sum = 0;
    int fever;
    char line[64];
    size_t n;
    /* One window from the sensors. */
    if (mote_fw_read(files.in, record, sizeof record) != sizeof record) {
      break;
    }
    /* The ECG to the network's input codes. */
    for (k = 0; k < ECG_SAMPLES; ++k) {
      input.v[k] = ecg_code(app_le16(record + 2 * k));
    }
    /* The network: one logit per rhythm. */
    t0 = mote_fw_ticks();
    if (vitals_invoke(input.v, logits) != 0) {
      return MOTE_FW_STATUS;
    }
    app_ticks_since(&files, "invoke_ticks", t0);
    /* The rhythm: the largest logit, the first of equals (as validate's top-1). */
    for (k = 1; k < CLASSES; ++k) {
      if (logits[k] > logits[best]) {
        best = k;
      }
    }
    /* Fever: the window's mean temperature against 38.0 C, in sums of readings. */
    for (k = 0; k < TEMP_READINGS; ++k) {
      temp_sum += app_le16(record + 2 * (ECG_SAMPLES + k));
    }
    fever = temp_sum >= FEVER_256 * TEMP_READINGS;
    /* The line: index, rhythm, mean temperature in C with two decimals (rounded), alert. */
    centi = (uint32_t)((temp_sum * 100 + 128 * TEMP_READINGS) / (256 * TEMP_READINGS));
    n = text_uint(line, 0, index);
    line[n++] = ' ';
    n = text_str(line, n, rhythms[best]);
    line[n++] = ' ';
    n = text_uint(line, n, centi / 100u);
    line[n++] = '.';
    line[n++] = (char)('0' + centi / 10u % 10u);
    line[n++] = (char)('0' + centi % 10u);
    n = text_str(line, n, best != NORMAL_SINUS ? (fever ? " alert:rhythm+fever\n" : " alert:rhythm\n")
                                               : (fever ? " alert:fever\n" : " ok\n"));
    if (mote_fw_write(files.out, line, n) != 0) {
      return MOTE_FW_IO;
    }
  }
  app_close(&files);
  return MOTE_FW_OK;
}
