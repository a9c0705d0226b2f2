/* The harness main: runs MOTE_FW_NAME_init, then MOTE_FW_NAME_invoke on every input in input.bin, writes the outputs to
 * output.bin and, per inference, its status, SysTick ticks and peak stack to figures.txt.
 * run.cfg holds the SysTick reload and the timeout in wraps (two little-endian words).
 * Built with -DMOTE_FW_NAME=<name> -DMOTE_FW_HEADER="<name>.h". */
#include "fw.h"

#include MOTE_FW_HEADER

#define MOTE_FW_CAT2(a, b) a##b
#define MOTE_FW_CAT(a, b) MOTE_FW_CAT2(a, b)
#define INVOKE MOTE_FW_CAT(MOTE_FW_NAME, _invoke)
#define INIT MOTE_FW_CAT(MOTE_FW_NAME, _init)
#define IN_BYTES MOTE_FW_CAT(MOTE_FW_NAME, _INPUT_BYTES)
#define OUT_BYTES MOTE_FW_CAT(MOTE_FW_NAME, _OUTPUT_BYTES)

/* An unlikely word: a pushed value equal to it would hide one word of stack use. */
#define PAINT 0xA5C35A3Cu

extern uint32_t __stack_bottom[];

static union {
  uint8_t b[IN_BYTES];
  double align;
} in_buf;
static union {
  uint8_t b[OUT_BYTES];
  double align;
} out_buf;

#ifdef MOTE_FW_PROFILE
/* Built with -DMOTE_FW_PROFILE (mote run --profile): each layer's node and the ticks since the
 * call began when it ended, for every layer of one inference up to MAX_LAYERS. */
#define MAX_LAYERS 1024
static uint32_t layer_node[MAX_LAYERS], layer_ticks[MAX_LAYERS];
static uint32_t layers_seen, invoke_t0;

void mote_fw_layer_end(int k) {
  if (layers_seen < MAX_LAYERS) {
    layer_node[layers_seen] = (uint32_t)k;
    layer_ticks[layers_seen] = mote_fw_ticks() - invoke_t0;
    ++layers_seen;
  }
}

static void put_layers(int ff) {
  uint32_t i;
  for (i = 0; i < layers_seen; ++i) {
    mote_fw_put(ff, "ln", layer_node[i]);
    mote_fw_put(ff, "lt", layer_ticks[i]);
  }
}
#define START_LAYERS(t0) (layers_seen = 0, invoke_t0 = (t0))
#else
#define START_LAYERS(t0) ((void)(t0))
#define put_layers(ff) ((void)(ff))
#endif

/* The timed call, with the stack painted up to this frame's stack pointer; returns the bytes
 * of stack the inference used below it. noinline keeps its frame fixed and outside the count. */
__attribute__((noinline)) static uint32_t timed_invoke(const uint32_t *cfg, int *status, uint32_t *ticks) {
  uint32_t sp;
  uint32_t *p = __stack_bottom;
  uint32_t t0;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  while ((uint32_t)(uintptr_t)p < sp) {
    *p++ = PAINT;
  }
  mote_fw_call_sp = sp;
  /* The timer and its limit start here, after the painting, so that both count the call only. */
  mote_fw_budget = cfg[1];
  mote_fw_timer_start(cfg[0]);
  t0 = mote_fw_ticks();
  START_LAYERS(t0);
  *status = INVOKE((void *)in_buf.b, (void *)out_buf.b);
  *ticks = mote_fw_ticks() - t0;
  mote_fw_budget = 0;
  p = __stack_bottom;
  while ((uint32_t)(uintptr_t)p < sp && *p == PAINT) {
    ++p;
  }
  return sp - (uint32_t)(uintptr_t)p;
}

int main(void) {
  uint32_t cfg[2];
  uint32_t k;
  const int fc = mote_fw_open("run.cfg", 1);
  const int fi = mote_fw_open("input.bin", 1);
  const int fo = mote_fw_open("output.bin", 5);
  const int ff = mote_fw_open("figures.txt", 5);
  if (fc < 0 || fi < 0 || fo < 0 || ff < 0 || mote_fw_read(fc, cfg, sizeof cfg) != sizeof cfg) {
    return MOTE_FW_IO;
  }
  mote_fw_close(fc);
  mote_fw_report_fh = ff;
  /* The encoded weights' CRCs, once at boot, as the application would check them. */
  if (INIT() != 0) {
    return MOTE_FW_STATUS;
  }
  for (k = 0;; ++k) {
    int status;
    uint32_t ticks, stack;
    const size_t got = mote_fw_read(fi, in_buf.b, IN_BYTES);
    if (got == 0) {
      break;
    }
    if (got != IN_BYTES) {
      return MOTE_FW_IO;
    }
    stack = timed_invoke(cfg, &status, &ticks);
    mote_fw_put(ff, "sample", k);
    mote_fw_put(ff, "status", (uint32_t)status);
    mote_fw_put(ff, "ticks", ticks);
    mote_fw_put(ff, "stack", stack);
    put_layers(ff);
    mote_fw_endl(ff);
    if (status != 0) {
      return MOTE_FW_STATUS;
    }
    if (mote_fw_write(fo, out_buf.b, OUT_BYTES) != 0) {
      return MOTE_FW_IO;
    }
  }
  mote_fw_close(fi);
  mote_fw_close(fo);
  mote_fw_close(ff);
  return MOTE_FW_OK;
}
