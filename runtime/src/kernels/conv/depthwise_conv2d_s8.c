/* int8 depthwise Conv2D: output channel oc = ic * depth_multiplier + m, weights [kh][kw][out.c].
 * In place (depth multiplier 1), channel by channel as MIT's TinyEngine does: a channel's input
 * plane is copied to scratch, then its outputs are written over the buffer. Every slot they
 * touch belongs to that same channel (index mod C), so no other channel's input is lost. */
#include "../internal.h"

/* The taps of output (oy, ox) that fall inside the input. */
typedef struct {
  int32_t iy0, ix0, ky_lo, ky_hi, kx_lo, kx_hi;
} dw_window;

static dw_window window_at(const mote_conv_s8_params *p, int32_t oy, int32_t ox) {
  dw_window win;
  win.iy0 = oy * p->stride_h - p->pad_top;
  win.ix0 = ox * p->stride_w - p->pad_left;
  mote__tap_range(win.iy0, p->dil_h, p->kh, p->in.h, &win.ky_lo, &win.ky_hi);
  mote__tap_range(win.ix0, p->dil_w, p->kw, p->in.w, &win.kx_lo, &win.kx_hi);
  return win;
}

/* Output channel oc over window `win`: src is the channel's input cell (0, 0), cells `pix`
 * apart along a row and `row` apart between rows. */
static int8_t dw_output(const mote_conv_s8_params *p, const dw_window *win, const int8_t *src,
                        size_t pix, size_t row, const int8_t *w, const int32_t *bias,
                        int32_t oc) {
  int32_t acc = bias != NULL ? bias[oc] : 0;
  int32_t ky, kx;
  for (ky = win->ky_lo; ky < win->ky_hi; ++ky) {
    const int8_t *r = src + (size_t)(win->iy0 + ky * p->dil_h) * row;
    const int8_t *wr = w + (size_t)ky * p->kw * p->out.c + oc;
    for (kx = win->kx_lo; kx < win->kx_hi; ++kx) {
      acc += (r[(size_t)(win->ix0 + kx * p->dil_w) * pix] - p->in_zp) * wr[(size_t)kx * p->out.c];
    }
  }
  acc = mote__mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->out_zp;
  return (int8_t)mote__clamp_i32(acc, p->act_min, p->act_max);
}

mote_status mote_depthwise_conv2d_s8(const mote_conv_s8_params *p, const int8_t *in,
                                     const int8_t *w, const int32_t *bias, int8_t *out,
                                     void *scratch) {
  const size_t plane = (size_t)p->in.h * p->in.w;
  int32_t dm, n, oy, ox, ic, m;
  if (!mote__conv_geometry_ok(&p->in, &p->out, p->kh, p->kw, p->stride_h, p->stride_w, p->dil_h,
                              p->dil_w) ||
      p->out.c % p->in.c != 0 || p->multiplier == NULL || p->shift == NULL ||
      !mote__act_s8_ok(p->act_min, p->act_max) ||
      (p->in_place && (scratch == NULL || p->out.c != p->in.c ||
                       (size_t)p->out.h * p->out.w > plane))) {
    return MOTE_ERR_PARAM;
  }
  dm = p->out.c / p->in.c;
  for (n = 0; n < p->out.n; ++n) {
    const int8_t *in_n = in + (size_t)n * plane * p->in.c;
    int8_t *out_n = out + (size_t)n * p->out.h * p->out.w * p->out.c;
    if (p->in_place) {
      int8_t *copy = (int8_t *)scratch;
      for (ic = 0; ic < p->in.c; ++ic) {
        size_t i;
        for (i = 0; i < plane; ++i) {
          copy[i] = in_n[i * (size_t)p->in.c + (size_t)ic];
        }
        for (oy = 0; oy < p->out.h; ++oy) {
          for (ox = 0; ox < p->out.w; ++ox) {
            const dw_window win = window_at(p, oy, ox);
            out_n[((size_t)oy * p->out.w + ox) * p->out.c + ic] =
                dw_output(p, &win, copy, 1, (size_t)p->in.w, w, bias, ic);
          }
        }
      }
      continue;
    }
    for (oy = 0; oy < p->out.h; ++oy) {
      for (ox = 0; ox < p->out.w; ++ox) {
        const dw_window win = window_at(p, oy, ox);
        int8_t *o = out_n + ((size_t)oy * p->out.w + ox) * p->out.c;
        for (ic = 0; ic < p->in.c; ++ic) {
          for (m = 0; m < dm; ++m) {
            o[ic * dm + m] = dw_output(p, &win, in_n + ic, (size_t)p->in.c,
                                       (size_t)p->in.w * p->in.c, w, bias, ic * dm + m);
          }
        }
      }
    }
  }
  return MOTE_OK;
}

size_t mote_depthwise_conv2d_s8_scratch_bytes(const mote_conv_s8_params *p) {
  return p->in_place ? (size_t)p->in.h * p->in.w : 0;
}
