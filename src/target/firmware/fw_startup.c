/* Reset, the vector table, the SysTick counter and the fault and timeout reports. */
#include "fw.h"

/* From the linker script (firmware/common.ld). */
extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
extern uint32_t __text_start[], __text_end[];

int main(void);
void mote_fw_reset(void);
void mote_fw_hardfault(void);
void mote_fw_systick(void);
void mote_fw_fault_c(const uint32_t *frame);
void mote_fw_systick_c(const uint32_t *frame);

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SCB_ICSR (*(volatile uint32_t *)0xE000ED04u)
#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

static void unexpected(void) { mote_fw_exit(MOTE_FW_FAULT); }

/* Exceptions 1..15; the linker script puts the initial stack pointer in front. */
__attribute__((section(".vectors"), used)) static void (*const vectors[15])(void) = {
    mote_fw_reset, unexpected, mote_fw_hardfault, unexpected, unexpected, unexpected, 0, 0, 0, 0,
    unexpected, unexpected, 0, unexpected, mote_fw_systick};

void mote_fw_reset(void) {
  uint32_t *src = __data_load;
  uint32_t *dst = __data_start;
  while (dst < __data_end) {
    *dst++ = *src++;
  }
  for (dst = __bss_start; dst < __bss_end; ++dst) {
    *dst = 0;
  }
#if defined(__ARM_FP)
  SCB_CPACR |= 0xFu << 20; /* CP10 and CP11: the FPU */
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
  mote_fw_exit(main());
}

static volatile uint32_t wraps;
static uint32_t period;
volatile uint32_t mote_fw_budget;
uint32_t mote_fw_call_sp;
int mote_fw_report_fh;

void mote_fw_timer_start(uint32_t reload) {
  SYST_CSR = 0;
  SYST_RVR = reload;
  SYST_CVR = 0;
  period = reload + 1u;
  wraps = 0;
  SYST_CSR = 7u; /* core clock, interrupt on wrap, enabled */
  while (SYST_CVR == 0u) {
    /* the first tick loads the reload value; count from there */
  }
}

uint32_t mote_fw_ticks(void) {
  uint32_t v, pending, w;
  __asm__ volatile("cpsid i" ::: "memory");
  v = SYST_CVR;
  pending = (SCB_ICSR >> 26) & 1u; /* a wrap whose interrupt has not run yet */
  if (pending != 0u) {
    v = SYST_CVR; /* after that wrap for sure */
  }
  w = wraps + pending;
  __asm__ volatile("cpsie i" ::: "memory");
  return w * period + (period - 1u - v);
}

/* What the host needs to name the layer a run stopped in: the interrupted pc and lr, and the
 * words between the exception frame and the timed call's stack pointer that are return
 * addresses into the model's code, outermost first. */
static void report_stop(const char *what, const uint32_t *frame) {
  const int fh = mote_fw_report_fh;
  const uint32_t *p = (const uint32_t *)mote_fw_call_sp;
  unsigned found = 0;
  if (mote_fw_call_sp == 0u) {
    return; /* stopped before the first inference: nothing to name */
  }
  mote_fw_put(fh, what, frame[6]);
  mote_fw_put(fh, "lr", frame[5]);
  mote_fw_put(fh, "sp", (uint32_t)(uintptr_t)frame);
  while (p > frame && found < 16u) {
    const uint32_t v = *--p;
    if ((v & 1u) != 0u && v > (uint32_t)(uintptr_t)__text_start && v < (uint32_t)(uintptr_t)__text_end) {
      mote_fw_put(fh, "ret", v);
      ++found;
    }
  }
  mote_fw_endl(fh);
}

__attribute__((naked)) void mote_fw_hardfault(void) {
  __asm__ volatile("mrs r0, msp\n\tldr r1, =mote_fw_fault_c\n\tbx r1\n\t.ltorg");
}

void mote_fw_fault_c(const uint32_t *frame) {
  report_stop("fault", frame);
  if (mote_fw_call_sp != 0u) {
#if __ARM_ARCH >= 7
    mote_fw_put(mote_fw_report_fh, "cfsr", SCB_CFSR);
    mote_fw_endl(mote_fw_report_fh);
#endif
  }
  mote_fw_exit(MOTE_FW_FAULT);
}

__attribute__((naked)) void mote_fw_systick(void) {
  __asm__ volatile("mrs r0, msp\n\tldr r1, =mote_fw_systick_c\n\tbx r1\n\t.ltorg");
}

void mote_fw_systick_c(const uint32_t *frame) {
  wraps = wraps + 1u;
  if (mote_fw_budget != 0u && wraps >= mote_fw_budget) {
    report_stop("timeout", frame);
    mote_fw_exit(MOTE_FW_TIMEOUT);
  }
}
