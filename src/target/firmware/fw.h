/* The QEMU test firmware mote builds around a compiled model (`mote run`): semihosting I/O, the
 * SysTick instruction counter and the painted stack. Freestanding C99 for every Cortex-M core,
 * armv6-m included; no libc and no 64-bit or division helpers, so that everything in the
 * image's .text/.rodata/.data/.bss besides these files belongs to the model. */
#ifndef MOTE_FW_H
#define MOTE_FW_H

#include <stddef.h>
#include <stdint.h>

/* Semihosting (Arm's "bkpt 0xab" interface); handles are the host's. */
int mote_fw_open(const char *name, int mode); /* mode 1 "rb", 5 "wb"; -1 on failure */
size_t mote_fw_read(int fh, void *buf, size_t n); /* bytes read */
int mote_fw_write(int fh, const void *buf, size_t n); /* 0 when all n bytes were written */
void mote_fw_close(int fh);
void mote_fw_exit(int code);

/* Text records for the host: "key value" with values in hex (no division on armv6-m). */
void mote_fw_put(int fh, const char *key, uint32_t value);
void mote_fw_endl(int fh);

/* SysTick on the core clock (CLKSOURCE=1), counting wraps in its interrupt. */
void mote_fw_timer_start(uint32_t reload);
uint32_t mote_fw_ticks(void);
/* Ticks after which the SysTick handler stops the run as a timeout; 0 for no limit. */
extern volatile uint32_t mote_fw_budget;
/* The stack pointer just before the timed call (0 until the first) and the file the fault and
 * timeout reports go to: set by the harness, read by the handlers. */
extern uint32_t mote_fw_call_sp;
extern int mote_fw_report_fh;

/* mote run --profile: called after each layer k (MOTE_PROFILE_LAYER of the generated code). */
void mote_fw_layer_end(int k);

/* Exit codes the host decodes. */
enum { MOTE_FW_OK = 0, MOTE_FW_IO = 2, MOTE_FW_FAULT = 3, MOTE_FW_TIMEOUT = 4, MOTE_FW_STATUS = 5 };

#endif
