/* Helpers shared by the audio front end's sources (static inline: a source needs only this
 * header and mote/audio.h). */
#ifndef MOTE_AUDIO_INTERNAL_H
#define MOTE_AUDIO_INTERNAL_H

#include <stdint.h>

/* v / 2^e rounded to nearest, ties toward +infinity, for 1 <= e <= 62 and |v| <= 2^62: shifted
 * as the unsigned v + 2^62 (no implementation-defined >> of a negative value, no branch). */
static inline int64_t mote__round_shr64(int64_t v, int32_t e) {
  const uint64_t bias = (uint64_t)1 << 62;
  return (int64_t)((((uint64_t)v + bias) + ((uint64_t)1 << (e - 1))) >> e) - (int64_t)(bias >> e);
}

#endif
