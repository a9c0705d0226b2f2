/* The depth-first schedule the conv chain kernels (mote_conv_chain_s8, _dsp) share. conv1's
 * output rows live in a window of scratch holding what one conv2 output row reads; each conv2
 * output row is computed as soon as its rows are in, then added to the skip row. Each variant
 * runs its own conv kernel one output row at a time through a callback (a window of input rows,
 * the padding above it), so the inner loops are the plain kernels'; the schedule only moves rows. */
#ifndef MOTE_CONV_CHAIN_H
#define MOTE_CONV_CHAIN_H

#include <string.h>

#include "../internal.h"

/* One conv's geometry along rows (the only direction the schedule splits). */
typedef struct {
  mote_dims in, out;
  int32_t kh, stride, dil, pad;
} mote__chain_conv;

static inline mote__chain_conv mote__chain_conv_of(mote_dims in, mote_dims out, int32_t kh,
                                                   int32_t stride, int32_t dil, int32_t pad) {
  mote__chain_conv c;
  c.in = in;
  c.out = out;
  c.kh = kh;
  c.stride = stride;
  c.dil = dil;
  c.pad = pad;
  return c;
}

/* Both conv params types name these fields alike. */
#define MOTE__CHAIN_CONV_OF(c) \
  mote__chain_conv_of((c).in, (c).out, (c).kh, (c).stride_h, (c).dil_h, (c).pad_top)

/* The params of one output row of conv q over `rows` input rows, its first tap `pad` rows above
 * them. */
#define MOTE__CHAIN_ROW(q, rows, pad) \
  ((q).in.n = 1, (q).in.h = (rows), (q).out.n = 1, (q).out.h = 1, (q).pad_top = (pad), (q).in_place = 0)

/* Output row of conv `which` (1 or 2) of chain p over `rows` input rows at in, the row's first
 * tap pad_top rows above in. */
typedef mote_status (*mote__chain_conv_fn)(const void *p, int which, const int8_t *in, int32_t rows,
                                           int32_t pad_top, int8_t *out, void *scratch);
/* out = z + skip over one output row. */
typedef mote_status (*mote__chain_add_fn)(const void *p, const int8_t *z, const int8_t *skip,
                                          int8_t *out);

typedef struct {
  mote__chain_conv c1, c2;
  int32_t has_add;
  size_t conv_scratch; /* what the row convs need, a multiple of 4 */
} mote__chain;

static inline size_t mote__chain_row_bytes(const mote_dims *d) {
  return (size_t)d->w * (size_t)d->c;
}

static inline int32_t mote__chain_span(const mote__chain_conv *c) {
  return (c->kh - 1) * c->dil + 1;
}

/* The input rows [lo, hi) output row r of c reads, clipped to the input; its first tap is at
 * r * stride - pad. */
static inline void mote__chain_rows(const mote__chain_conv *c, int32_t r, int32_t *lo, int32_t *hi) {
  const int32_t origin = r * c->stride - c->pad;
  *lo = origin > 0 ? origin : 0;
  *hi = origin + mote__chain_span(c);
  if (*hi > c->in.h) {
    *hi = c->in.h;
  }
}

static inline size_t mote__chain_scratch_bytes(const mote__chain *s) {
  return s->conv_scratch + (size_t)mote__chain_span(&s->c2) * mote__chain_row_bytes(&s->c2.in) +
         (s->has_add ? mote__chain_row_bytes(&s->c2.out) : 0u);
}

/* The add's broadcast is one contiguous output row. */
static inline int mote__chain_add_ok(const mote_bcast *bc, const mote_dims *z) {
  return bc->dims[0] == 1 && bc->dims[1] == 1 && bc->dims[2] == z->w && bc->dims[3] == z->c &&
         (z->w == 1 || (bc->a_stride[2] == z->c && bc->b_stride[2] == z->c)) &&
         (z->c == 1 || (bc->a_stride[3] == 1 && bc->b_stride[3] == 1));
}

/* conv1 feeds conv2, every output row of both reads at least one input row, and with out over x
 * every output row r lands before the first x row a conv1 row computed after it reads. */
static inline int mote__chain_ok(const mote__chain *s, int over_x) {
  const mote__chain_conv *c1 = &s->c1, *c2 = &s->c2;
  int32_t r, lo, hi, xlo, xhi;
  if (!mote__dims_ok(&c1->in) || !mote__dims_ok(&c2->out) || c1->out.n != c2->in.n ||
      c1->out.h != c2->in.h || c1->out.w != c2->in.w || c1->out.c != c2->in.c ||
      c1->in.n != c1->out.n || c2->in.n != c2->out.n || c1->kh <= 0 || c2->kh <= 0 ||
      c1->stride <= 0 || c2->stride <= 0 || c1->dil <= 0 || c2->dil <= 0) {
    return 0;
  }
  for (r = 0; r < c1->out.h; ++r) {
    mote__chain_rows(c1, r, &lo, &hi);
    if (lo >= hi) {
      return 0;
    }
  }
  if (over_x && mote__chain_row_bytes(&c2->out) * (size_t)c2->out.h >
                    mote__chain_row_bytes(&c1->in) * (size_t)c1->in.h) {
    return 0;
  }
  for (r = 0; r < c2->out.h; ++r) {
    mote__chain_rows(c2, r, &lo, &hi);
    if (lo >= hi) {
      return 0;
    }
    if (over_x && hi < c2->in.h) {
      mote__chain_rows(c1, hi, &xlo, &xhi);
      if ((size_t)(r + 1) * mote__chain_row_bytes(&c2->out) > (size_t)xlo * mote__chain_row_bytes(&c1->in)) {
        return 0;
      }
    }
  }
  return 1;
}

static inline mote_status mote__chain_run(const mote__chain *s, const void *p, mote__chain_conv_fn conv,
                                          mote__chain_add_fn add, const int8_t *x, const int8_t *skip,
                                          int8_t *out, void *scratch) {
  const size_t xrow = mote__chain_row_bytes(&s->c1.in), yrow = mote__chain_row_bytes(&s->c2.in);
  const size_t zrow = mote__chain_row_bytes(&s->c2.out);
  int8_t *window, *zbuf;
  int32_t n, r;
  if (scratch == NULL || (s->has_add && skip == NULL) || !mote__chain_ok(s, (const int8_t *)out == x)) {
    return MOTE_ERR_PARAM;
  }
  window = (int8_t *)scratch + s->conv_scratch;
  zbuf = window + (size_t)mote__chain_span(&s->c2) * yrow;
  for (n = 0; n < s->c2.out.n; ++n) {
    const int8_t *xn = x + (size_t)n * s->c1.in.h * xrow;
    const int8_t *sn = s->has_add ? skip + (size_t)n * s->c2.out.h * zrow : NULL;
    int8_t *on = out + (size_t)n * s->c2.out.h * zrow;
    int32_t top = 0, next = 0; /* the window holds conv1 rows [top, next) */
    for (r = 0; r < s->c2.out.h; ++r) {
      int32_t lo, hi;
      mote_status st;
      mote__chain_rows(&s->c2, r, &lo, &hi);
      if (lo > top) { /* no later output row reads the rows above lo */
        if (lo < next) {
          memmove(window, window + (size_t)(lo - top) * yrow, (size_t)(next - lo) * yrow);
        } else {
          next = lo;
        }
        top = lo;
      }
      for (; next < hi; ++next) {
        int32_t xlo, xhi;
        mote__chain_rows(&s->c1, next, &xlo, &xhi);
        st = conv(p, 1, xn + (size_t)xlo * xrow, xhi - xlo, xlo - (next * s->c1.stride - s->c1.pad),
                  window + (size_t)(next - top) * yrow, scratch);
        if (st != MOTE_OK) {
          return st;
        }
      }
      st = conv(p, 2, window, hi - lo, lo - (r * s->c2.stride - s->c2.pad),
                s->has_add ? zbuf : on + (size_t)r * zrow, scratch);
      if (st == MOTE_OK && s->has_add) {
        st = add(p, zbuf, sn + (size_t)r * zrow, on + (size_t)r * zrow);
      }
      if (st != MOTE_OK) {
        return st;
      }
    }
  }
  return MOTE_OK;
}

/* A chain variant's entry points, name, name_scratch_bytes and name_runs, for params type P over conv
 * params type C: conv_fn and conv_scratch_fn its conv kernel and that kernel's scratch size,
 * b1 and b2 the params' fields conv_fn takes as its fourth argument, add_fn its add. */
#define MOTE__CHAIN_VARIANT(name, P, C, conv_fn, conv_scratch_fn, b1, b2, add_fn)                     \
  static mote_status name##_row(const void *chain, int which, const int8_t *in, int32_t rows,        \
                                int32_t pad_top, int8_t *out, void *scratch) {                      \
    const P *p = (const P *)chain;                                                                  \
    C q = which == 1 ? p->conv1 : p->conv2;                                                         \
    MOTE__CHAIN_ROW(q, rows, pad_top);                                                              \
    return conv_fn(&q, in, which == 1 ? p->w1 : p->w2, which == 1 ? p->b1 : p->b2, out, scratch);   \
  }                                                                                                 \
  static mote_status name##_add(const void *chain, const int8_t *z, const int8_t *skip,            \
                                int8_t *out) {                                                      \
    return add_fn(&((const P *)chain)->add, z, skip, out);                                          \
  }                                                                                                 \
  static mote__chain name##_of(const P *p) {                                                        \
    mote__chain s;                                                                                  \
    C q1 = p->conv1, q2 = p->conv2;                                                                 \
    size_t n1, n2;                                                                                  \
    MOTE__CHAIN_ROW(q1, 1, 0);                                                                      \
    MOTE__CHAIN_ROW(q2, 1, 0);                                                                      \
    n1 = conv_scratch_fn(&q1);                                                                      \
    n2 = conv_scratch_fn(&q2);                                                                      \
    s.c1 = MOTE__CHAIN_CONV_OF(p->conv1);                                                           \
    s.c2 = MOTE__CHAIN_CONV_OF(p->conv2);                                                           \
    s.has_add = p->has_add;                                                                         \
    s.conv_scratch = ((n1 > n2 ? n1 : n2) + 3u) & ~(size_t)3u;                                      \
    return s;                                                                                       \
  }                                                                                                 \
  size_t name##_scratch_bytes(const P *p) {                                                         \
    const mote__chain s = name##_of(p);                                                             \
    return mote__chain_scratch_bytes(&s);                                                           \
  }                                                                                                 \
  int name##_runs(const P *p, int over_x) {                                                         \
    const mote__chain s = name##_of(p);                                                             \
    return (!p->has_add || mote__chain_add_ok(&p->add.bc, &s.c2.out)) && mote__chain_ok(&s, over_x); \
  }                                                                                                 \
  mote_status name(const P *p, const int8_t *x, const int8_t *skip, int8_t *out, void *scratch) {  \
    const mote__chain s = name##_of(p);                                                             \
    if (p->has_add && !mote__chain_add_ok(&p->add.bc, &s.c2.out)) {                                 \
      return MOTE_ERR_PARAM;                                                                        \
    }                                                                                               \
    return mote__chain_run(&s, p, name##_row, name##_add, x, skip, out, scratch);                   \
  }

#endif
