/* Row-by-row decoding of encoded weights (format in mote/decode.h). */
#include "mote/decode.h"

#include <string.h>

/* CRC-32, reflected polynomial 0xEDB88320, four bits per step: a 64-byte table instead of
 * zlib's 1 KB one (flash is what encoding saves). */
uint32_t mote_crc32(const uint8_t *data, size_t bytes) {
  static const uint32_t nibble[16] = {
      0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
      0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
      0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
  uint32_t c = 0xFFFFFFFFu;
  size_t i;
  for (i = 0; i < bytes; ++i) {
    c ^= data[i];
    c = (c >> 4) ^ nibble[c & 15u];
    c = (c >> 4) ^ nibble[c & 15u];
  }
  return c ^ 0xFFFFFFFFu;
}

static uint32_t stream_bits(const mote_wenc *e) { return (e->bytes - e->stream_offset) * 8u; }

/* n (1..8) bits LSB-first; 0 when the stream ends first. */
static int read_bits(const mote_wenc *e, uint32_t *bit, int32_t n, uint32_t *out) {
  const uint8_t *p;
  uint32_t sh, v;
  if (*bit + (uint32_t)n > stream_bits(e)) return 0;
  p = e->blob + e->stream_offset + (*bit >> 3);
  sh = *bit & 7u;
  v = (uint32_t)p[0] >> sh;
  if (sh + (uint32_t)n > 8u) v |= (uint32_t)p[1] << (8u - sh);
  *out = v & ((1u << n) - 1u);
  *bit += (uint32_t)n;
  return 1;
}

/* One symbol of a canonical code, matched bit by bit: the codes of each length are
 * consecutive integers, the first of length l following the last of length l - 1. The bits
 * come from one window of up to three bytes (at least 17 bits after the shift where three
 * remain; max_len <= 15), so a symbol costs one load and a few operations per bit. */
static int read_huffman(const mote_wenc *e, const mote_huffman_code *h, uint32_t *bit, uint32_t *out) {
  const uint8_t *count = e->blob + h->offset; /* codes of length 1, 2, ... */
  const uint8_t *symbol = e->blob + h->offset + h->max_len;
  const uint32_t total = stream_bits(e), at = *bit;
  const uint8_t *p = e->blob + e->stream_offset + (at >> 3);
  uint32_t code = 0, first = 0, index = 0, window, left;
  int32_t len, max_len = h->max_len;
  if (at >= total) return 0;
  left = (total >> 3) - (at >> 3); /* bytes from p to the stream's end, at least 1 */
  window = (uint32_t)p[0] | (left > 1u ? (uint32_t)p[1] << 8 : 0u) | (left > 2u ? (uint32_t)p[2] << 16 : 0u);
  window >>= at & 7u;
  if ((uint32_t)max_len > total - at) max_len = (int32_t)(total - at);
  for (len = 1; len <= max_len; ++len) {
    code |= window & 1u;
    window >>= 1;
    if (code - first < count[len - 1]) {
      *out = symbol[index + (code - first)];
      *bit = at + (uint32_t)len;
      return 1;
    }
    index += count[len - 1];
    first = (first + count[len - 1]) << 1;
    code <<= 1;
  }
  return 0;
}

static int read_value(const mote_wenc *e, uint32_t *bit, int32_t *out) {
  uint32_t f;
  if (e->values.max_len > 0 ? !read_huffman(e, &e->values, bit, &f) : !read_bits(e, bit, e->vbits, &f)) return 0;
  if (e->codebook_size > 0) {
    if (f >= (uint32_t)e->codebook_size) return 0;
    *out = (int8_t)e->blob[f];
  } else {
    if (f >> e->vbits) return 0;
    *out = (int32_t)f - (int32_t)((f >> (e->vbits - 1)) << e->vbits); /* two's complement in vbits */
  }
  return 1;
}

/* The next sparse entry's position and value, or next_pos = rows * row_len after the last. */
static int next_entry(const mote_wenc *e, mote_wdec *s) {
  const uint32_t end = (uint32_t)e->rows * (uint32_t)e->row_len;
  uint32_t gap;
  if (s->entry == e->entries) {
    s->next_pos = end;
    return 1;
  }
  if (e->gaps.max_len > 0 ? !read_huffman(e, &e->gaps, &s->bit, &gap) : !read_bits(e, &s->bit, e->ibits, &gap)) return 0;
  if (!read_value(e, &s->bit, &s->next_val)) return 0;
  /* the first entry starts at position gap, each later one gap + 1 after the one before */
  gap += s->entry == 0 ? 0u : s->next_pos + 1u;
  if (gap >= end) return 0;
  s->next_pos = gap;
  ++s->entry;
  return 1;
}

static int code_fits(const mote_wenc *e, const mote_huffman_code *h, uint32_t end) {
  uint32_t total = 0;
  int32_t l;
  if (h->max_len == 0) return 1;
  if (h->max_len > MOTE_HUFFMAN_MAX_LEN || h->n_symbols < 1 || h->n_symbols > 256) return 0;
  if (h->offset + (uint32_t)h->max_len + (uint32_t)h->n_symbols > end) return 0;
  for (l = 1; l <= h->max_len; ++l) total += e->blob[h->offset + (uint32_t)l - 1u];
  return total == (uint32_t)h->n_symbols;
}

/* Byte groups (mote/decode.h): the counts and groups fill the stream, and every row's entries
 * stay inside it, a nonzero never on a column an entry before it took. */
static int groups_fit(const mote_wenc *e) {
  const uint8_t *s = e->blob + e->stream_offset, *g;
  const uint32_t len = e->bytes - e->stream_offset, quads = e->entries / 4u;
  uint32_t at, total = 0, k;
  int32_t r;
  if ((uint32_t)e->rows > len / 2u) return 0;
  at = mote_wenc_groups_at(e);
  if (at > len || e->entries % 4u != 0 || (len - at) % 8u != 0 || (len - at) / 8u != quads) return 0;
  g = s + at;
  for (r = 0; r < e->rows; ++r) {
    const uint32_t n = (uint32_t)s[2 * r] | (uint32_t)s[2 * r + 1] << 8;
    uint32_t pos = 0;
    if (n > quads - total) return 0;
    total += n;
    for (k = 0; k < 4u * n; ++k) {
      const uint8_t *q = g + k / 4u * 8u + k % 4u; /* its gap; its value 4 bytes on */
      pos += q[0];
      if (pos >= (uint32_t)e->row_len || (q[4] != 0 && q[0] == 0 && k > 0)) return 0;
    }
    g += 8u * n;
  }
  return total == quads;
}

mote_status mote_wenc_check(const mote_wenc *e) {
  if (!e->blob || e->rows < 1 || e->row_len < 1 || e->stream_offset > e->bytes) return MOTE_ERR_PARAM;
  if (e->vbits < 1 || e->vbits > 8 || e->codebook_size < 0 || e->codebook_size > 256 ||
      (uint32_t)e->codebook_size > e->stream_offset)
    return MOTE_ERR_PARAM;
  if (e->sparse && (e->ibits < 1 || e->ibits > 8)) return MOTE_ERR_PARAM;
  if (e->sparse == MOTE_WENC_GROUPS && (e->codebook_size != 0 || e->vbits != 8 || e->ibits != 8 ||
                                        e->values.max_len != 0 || e->gaps.max_len != 0))
    return MOTE_ERR_PARAM;
  if (e->sparse < 0 || e->sparse > MOTE_WENC_GROUPS) return MOTE_ERR_PARAM;
  if (mote_crc32(e->blob, e->bytes) != e->crc32) return MOTE_ERR_CORRUPT;
  if (e->sparse == MOTE_WENC_GROUPS) return groups_fit(e) ? MOTE_OK : MOTE_ERR_CORRUPT;
  if (!code_fits(e, &e->values, e->stream_offset) || (e->sparse && !code_fits(e, &e->gaps, e->stream_offset)))
    return MOTE_ERR_CORRUPT;
  return MOTE_OK;
}

mote_status mote_wdec_start(const mote_wenc *e, mote_wdec *s) {
  s->bit = 0;
  s->entry = 0;
  s->next_pos = 0;
  s->next_val = 0;
  s->row = 0;
  if (e->sparse == MOTE_WENC_GROUPS) {
    if ((uint32_t)e->rows > (e->bytes - e->stream_offset) / 2u) return MOTE_ERR_CORRUPT;
    s->bit = mote_wenc_groups_at(e);
    return s->bit <= e->bytes - e->stream_offset ? MOTE_OK : MOTE_ERR_CORRUPT;
  }
  if (e->sparse && !next_entry(e, s)) return MOTE_ERR_CORRUPT;
  return MOTE_OK;
}

mote_status mote_wdec_row(const mote_wenc *e, mote_wdec *s, int8_t *row) {
  int32_t i;
  if (s->row >= e->rows) return MOTE_ERR_PARAM;
  if (e->sparse == MOTE_WENC_GROUPS) {
    const uint8_t *c = e->blob + e->stream_offset + 2u * (uint32_t)s->row;
    const uint8_t *g = e->blob + e->stream_offset + s->bit;
    const uint32_t n = (uint32_t)c[0] | (uint32_t)c[1] << 8;
    uint32_t k, pos = 0;
    if (n > (e->bytes - e->stream_offset - s->bit) / 8u) return MOTE_ERR_CORRUPT;
    memset(row, 0, (size_t)e->row_len);
    for (k = 0; k < 4u * n; ++k) {
      const uint8_t *q = g + k / 4u * 8u + k % 4u;
      pos += q[0];
      if (pos >= (uint32_t)e->row_len) return MOTE_ERR_CORRUPT;
      if (q[4] != 0) row[pos] = (int8_t)q[4]; /* fillers and padding are zeros */
    }
    s->bit += 8u * n;
  } else if (e->sparse) {
    const uint32_t start = (uint32_t)s->row * (uint32_t)e->row_len, end = start + (uint32_t)e->row_len;
    memset(row, 0, (size_t)e->row_len);
    while (s->next_pos < end) {
      row[s->next_pos - start] = (int8_t)s->next_val;
      if (!next_entry(e, s)) return MOTE_ERR_CORRUPT;
    }
  } else if (e->values.max_len == 0) {
    /* Fixed-width fields: one bound for the whole row, then a shift register fed a byte at a
     * time, each byte only when its bits are needed (so no read past the row's last field). */
    const uint32_t n = (uint32_t)e->vbits, mask = (1u << n) - 1u, need = (uint32_t)e->row_len * n;
    const uint32_t cb = (uint32_t)e->codebook_size, sign = 1u << (n - 1u); /* the field's sign bit */
    const uint8_t *p = e->blob + e->stream_offset + (s->bit >> 3);
    uint32_t acc, have;
    if (need > stream_bits(e) - s->bit) return MOTE_ERR_CORRUPT;
    acc = (uint32_t)*p++ >> (s->bit & 7u);
    have = 8u - (s->bit & 7u);
    for (i = 0; i < e->row_len; ++i) {
      uint32_t f;
      while (have < n) {
        acc |= (uint32_t)*p++ << have;
        have += 8u;
      }
      f = acc & mask;
      acc >>= n;
      have -= n;
      if (cb > 0u) {
        if (f >= cb) return MOTE_ERR_CORRUPT;
        row[i] = (int8_t)e->blob[f];
      } else {
        row[i] = (int8_t)((int32_t)f - (int32_t)((f & sign) << 1)); /* two's complement in n bits */
      }
    }
    s->bit += need;
  } else {
    for (i = 0; i < e->row_len; ++i) {
      int32_t v;
      if (!read_value(e, &s->bit, &v)) return MOTE_ERR_CORRUPT;
      row[i] = (int8_t)v;
    }
  }
  ++s->row;
  return MOTE_OK;
}
