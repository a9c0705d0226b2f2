/* The Armv7E-M / Armv8-M DSP instructions the *_dsp kernels use, as static inline functions:
 * one instruction each when the compiler targets a core with the DSP extension
 * (__ARM_FEATURE_DSP: Cortex-M4, M7, M33, M55), an exact C emulation elsewhere, so the same
 * kernels build and are tested bit for bit on any host. Packed operands are uint32_t: two
 * 16-bit halves (bits 0-15 "bottom", 16-31 "top") or four bytes, little-endian as the core
 * loads them. Overflowing sums wrap like the instructions (the Q flag is never read). */
#ifndef MOTE_DSP_H
#define MOTE_DSP_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)

/* A 32-bit load from any address (Armv7-M LDR allows unaligned addresses). */
static inline uint32_t mote_ld32(const void *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* acc + bottom(a) * bottom(b) + top(a) * top(b) */
static inline int32_t mote_smlad(uint32_t a, uint32_t b, int32_t acc) {
  int32_t r;
  __asm__("smlad %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
/* acc + bottom(a) * bottom(b) */
static inline int32_t mote_smlabb(uint32_t a, uint32_t b, int32_t acc) {
  int32_t r;
  __asm__("smlabb %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
/* acc + top(a) * top(b) */
static inline int32_t mote_smlatt(uint32_t a, uint32_t b, int32_t acc) {
  int32_t r;
  __asm__("smlatt %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
/* acc + bottom(a) * top(b) */
static inline int32_t mote_smlabt(uint32_t a, uint32_t b, int32_t acc) {
  int32_t r;
  __asm__("smlabt %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
/* acc + top(a) * bottom(b) */
static inline int32_t mote_smlatb(uint32_t a, uint32_t b, int32_t acc) {
  int32_t r;
  __asm__("smlatb %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
/* bytes 0 and 2 of x sign-extended into the bottom and top halves */
static inline uint32_t mote_sxtb16(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1" : "=r"(r) : "r"(x));
  return r;
}
/* bytes 1 and 3 of x sign-extended into the bottom and top halves */
static inline uint32_t mote_sxtb16_ror8(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
/* halves of a plus bytes 0 and 2 of x, sign-extended (each half wraps) */
static inline uint32_t mote_sxtab16(uint32_t a, uint32_t x) {
  uint32_t r;
  __asm__("sxtab16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(x));
  return r;
}
/* halves of a plus bytes 1 and 3 of x, sign-extended */
static inline uint32_t mote_sxtab16_ror8(uint32_t a, uint32_t x) {
  uint32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
  return r;
}
/* bottom half of a, bottom half of b as the top half */
static inline uint32_t mote_pkhbt(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
/* top half of b as the bottom half, top half of a */
static inline uint32_t mote_pkhtb(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
/* (a * b + 2^31) >> 32: the rounded high word of the 64-bit product */
static inline int32_t mote_smmulr(int32_t a, int32_t b) {
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
/* acc + (a * b + 2^31) >> 32: acc plus the rounded high word, wrapping */
static inline int32_t mote_smmlar(int32_t a, int32_t b, int32_t acc) {
  int32_t r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
/* x saturated to int8 */
static inline int32_t mote_ssat8(int32_t x) {
  int32_t r;
  __asm__("ssat %0, #8, %1" : "=r"(r) : "r"(x));
  return r;
}
/* halves of a minus halves of b, each wrapping */
static inline uint32_t mote_usub16(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("usub16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(b) : "cc");
  return r;
}

#else

/* byte 0 in bits 0-7 on any host */
static inline uint32_t mote_ld32(const void *p) {
  const unsigned char *b = (const unsigned char *)p;
  return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static inline int32_t mote__dsp_lo(uint32_t x) { return (int32_t)(int16_t)(uint16_t)(x & 0xFFFFu); }
static inline int32_t mote__dsp_hi(uint32_t x) { return (int32_t)(int16_t)(uint16_t)(x >> 16); }
static inline uint32_t mote__dsp_sx8(uint32_t byte) {
  return (uint32_t)(uint16_t)(int16_t)(int8_t)(uint8_t)(byte & 0xFFu);
}

static inline int32_t mote_smlad(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(mote__dsp_lo(a) * mote__dsp_lo(b)) +
                   (uint32_t)(mote__dsp_hi(a) * mote__dsp_hi(b)));
}
static inline int32_t mote_smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(mote__dsp_lo(a) * mote__dsp_lo(b)));
}
static inline int32_t mote_smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(mote__dsp_hi(a) * mote__dsp_hi(b)));
}
static inline int32_t mote_smlabt(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(mote__dsp_lo(a) * mote__dsp_hi(b)));
}
static inline int32_t mote_smlatb(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(mote__dsp_hi(a) * mote__dsp_lo(b)));
}
static inline uint32_t mote_sxtb16(uint32_t x) {
  return mote__dsp_sx8(x) | (mote__dsp_sx8(x >> 16) << 16);
}
static inline uint32_t mote_sxtb16_ror8(uint32_t x) { return mote_sxtb16(x >> 8); }
static inline uint32_t mote_sxtab16(uint32_t a, uint32_t x) {
  const uint32_t e = mote_sxtb16(x);
  return ((a + e) & 0xFFFFu) | (((a >> 16) + (e >> 16)) << 16);
}
static inline uint32_t mote_sxtab16_ror8(uint32_t a, uint32_t x) { return mote_sxtab16(a, x >> 8); }
static inline uint32_t mote_pkhbt(uint32_t a, uint32_t b) { return (a & 0xFFFFu) | (b << 16); }
static inline uint32_t mote_pkhtb(uint32_t a, uint32_t b) { return (a & 0xFFFF0000u) | (b >> 16); }
static inline int32_t mote_smmulr(int32_t a, int32_t b) {
  /* the high word of the rounded product, without shifting a negative value */
  const uint64_t p = (uint64_t)((int64_t)a * (int64_t)b) + 0x80000000u;
  return (int32_t)(uint32_t)(p >> 32);
}
static inline int32_t mote_smmlar(int32_t a, int32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)mote_smmulr(a, b));
}
static inline int32_t mote_ssat8(int32_t x) { return x < -128 ? -128 : (x > 127 ? 127 : x); }
static inline uint32_t mote_usub16(uint32_t a, uint32_t b) {
  return ((a - b) & 0xFFFFu) | (((a >> 16) - (b >> 16)) << 16);
}

#endif

#endif /* MOTE_DSP_H */
