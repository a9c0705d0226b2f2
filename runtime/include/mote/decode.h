/* mote weight decoding: encoded int8 weights decoded on the device, one row at a time.
 *
 * A weight tensor of `rows` rows of `row_len` int8 values (a row is one output channel: FC
 * [out][in], conv OHWI [out][kh*kw*in]) is stored as one blob in flash and decoded row after
 * row, in order, into a row of caller-owned scratch, so RAM holds one decoded row, never the
 * dense tensor. The compiler writes the blob and fills mote_wenc; the blob's CRC-32 is checked
 * once (mote_wenc_check) before the first decode.
 *
 * The blob is [codebook][value code][gap code][stream] (absent parts take no bytes):
 *  - codebook: codebook_size int8 values (weight sharing); with none, a value (field or
 *    Huffman symbol) is the two's-complement weight itself in vbits bits (8: int8, 4: int4).
 *  - a canonical Huffman code (when its max_len > 0): count[1..max_len] as bytes, then the
 *    n_symbols symbols sorted by (code length, symbol).
 *  - stream: an LSB-first bit stream. Dense: one value per weight, row-major. Sparse (Deep
 *    Compression's relative indexing): (gap, value) entries over the flattened tensor, gap =
 *    zeros skipped since the previous entry, at most 2^ibits - 1; a longer run of zeros takes
 *    a filler entry whose value is zero. Values and gaps are either fixed-width fields (vbits,
 *    ibits) or Huffman codes, the code's bits in the stream in the order they are matched.
 *    Two zero bytes follow the stream, so a kernel may read a field from three bytes.
 *
 * Sparse in byte groups (sparse = MOTE_WENC_GROUPS; no codebook, no Huffman code, ibits = vbits
 * = 8), what mote_fully_connected_s8_sparse8 reads at a few instructions per entry: the stream
 * is each row's count of groups as a little-endian uint16, zero bytes up to a multiple of 4,
 * then every row's groups, each 8 bytes: four uint8 gaps then their four int8 values. A row's
 * read position starts at column 0 and each entry moves it by its gap, then weighs the column
 * it lands on by its value: a move longer than 255 takes filler entries of value zero, and
 * entries of gap and value zero pad a row to whole groups. entries counts them all (4 per
 * group). mote_wenc_check walks every row: no position reaches row_len, the counts add up to
 * the groups the blob holds, and no nonzero lands where an earlier entry of its row did.
 *
 * Every read is bounded by the blob: a corrupt blob gives MOTE_ERR_CORRUPT, never a read
 * outside it or a write outside the row. The byte-group FC kernels leave the gaps to the check:
 * run mote_wenc_check (the model's NAME_init) before them.
 */
#ifndef MOTE_DECODE_H
#define MOTE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "mote/kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MOTE_HUFFMAN_MAX_LEN 15
#define MOTE_WENC_GROUPS 2         /* mote_wenc.sparse: entries in byte groups */
#define MOTE_WENC_MAX_GROUPS 65535u /* groups in one row of them */

typedef struct {
  int32_t max_len;   /* longest code, 1..MOTE_HUFFMAN_MAX_LEN; 0: fixed-width fields */
  int32_t n_symbols; /* symbols listed after the counts */
  uint32_t offset;   /* blob offset of count[1] */
} mote_huffman_code;

typedef struct {
  const uint8_t *blob;
  uint32_t bytes;
  uint32_t crc32; /* CRC-32 (IEEE 802.3, as zlib) of the blob's bytes */
  int32_t rows, row_len;
  int32_t codebook_size; /* 0: value fields are two's-complement weights */
  int32_t vbits;         /* fixed value field width, 1..8 */
  mote_huffman_code values;
  int32_t sparse;  /* 1: (gap, value) entries in the bit stream; MOTE_WENC_GROUPS: in byte groups */
  int32_t ibits;   /* fixed gap field width, 1..8 */
  mote_huffman_code gaps;
  uint32_t entries;       /* sparse: entries in the stream */
  uint32_t stream_offset; /* blob offset of the stream */
} mote_wenc;

/* Where a row-by-row decode has got to; zero it (mote_wdec_start) before the first row. */
typedef struct {
  uint32_t bit;      /* next stream bit (byte groups: byte offset of the next row's groups) */
  uint32_t entry;    /* sparse: entries read */
  uint32_t next_pos; /* sparse: flat position of the pending entry (rows * row_len: none) */
  int32_t next_val;  /* sparse: its value */
  int32_t row;       /* next row to decode */
} mote_wdec;

uint32_t mote_crc32(const uint8_t *data, size_t bytes);

/* Byte groups: where the groups start after the row counts, from the stream's start. */
static inline uint32_t mote_wenc_groups_at(const mote_wenc *e) {
  return ((uint32_t)e->rows * 2u + 3u) & ~3u;
}

/* MOTE_OK when the blob's CRC matches and its descriptor is consistent with its size. */
mote_status mote_wenc_check(const mote_wenc *e);

mote_status mote_wdec_start(const mote_wenc *e, mote_wdec *s);

/* Decodes the next row into row[0..row_len). */
mote_status mote_wdec_row(const mote_wenc *e, mote_wdec *s, int8_t *row);

/* ---- kernels over encoded weights ------------------------------------------------------ */

/* Fully connected (mote_fully_connected_s8's arithmetic) over any encoding: weight rows
 * decoded one at a time into scratch. */
mote_status mote_fully_connected_s8_enc(const mote_fc_s8_params *p, const int8_t *in,
                                        const mote_wenc *w, const int32_t *bias, int8_t *out,
                                        void *scratch);
size_t mote_fully_connected_s8_enc_scratch_bytes(const mote_fc_s8_params *p);

/* Fully connected over sparse weights with fixed-width fields (no Huffman code) and
 * ibits + vbits <= 16: the zeros cost nothing. No scratch. */
mote_status mote_fully_connected_s8_sparse(const mote_fc_s8_params *p, const int8_t *in,
                                           const mote_wenc *w, const int32_t *bias, int8_t *out);

/* Fully connected over sparse weights in byte groups (sparse = MOTE_WENC_GROUPS): per stored
 * entry one multiply. The compiler folds the input offset into the bias: bias[o] = the layer's
 * bias - in_zp * sum_k w[o][k], and p->in_zp is 0. No scratch. */
mote_status mote_fully_connected_s8_sparse8(const mote_fc_s8_params *p, const int8_t *in,
                                            const mote_wenc *w, const int32_t *bias, int8_t *out);
/* The same on the DSP extension (Armv7E-M), about 4 instructions per entry, with the
 * requantization records of mote_fully_connected_s8_dsp (chan [out_features][4]) whose biases
 * hold the folded input offset. Batches go first to last: p->reverse must be 0. */
mote_status mote_fully_connected_s8_sparse8_dsp(const mote_fc_s8_dsp_params *p, const int8_t *in,
                                                const mote_wenc *w, const int32_t *chan,
                                                int8_t *out);

/* Conv2D (mote_conv2d_s8's arithmetic, not in place) over any encoding: one output channel's
 * OHWI filter decoded at a time into scratch. */
mote_status mote_conv2d_s8_enc(const mote_conv_s8_params *p, const int8_t *in, const mote_wenc *w,
                               const int32_t *bias, int8_t *out, void *scratch);
size_t mote_conv2d_s8_enc_scratch_bytes(const mote_conv_s8_params *p);

#ifdef __cplusplus
}
#endif

#endif
