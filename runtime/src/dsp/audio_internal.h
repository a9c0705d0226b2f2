/* Helpers shared by the audio front end's sources (static inline: a source needs only this
 * header and mote/audio.h). */
#ifndef MOTE_AUDIO_INTERNAL_H
#define MOTE_AUDIO_INTERNAL_H

#include <stdint.h>

/* v / 2^e rounded to nearest, ties toward +infinity, 1 <= e <= 62, written without the
 * implementation-defined >> of negative values; v + 2^(e-1) must not overflow. */
static inline int64_t mote__round_shr64(int64_t v, int32_t e) {
  const int64_t x = v + ((int64_t)1 << (e - 1));
  return x < 0 ? ~(~x >> e) : x >> e;
}

#endif
