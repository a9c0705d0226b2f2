/* Runs NAME_invoke once on a fixed input, for instruction counting under valgrind. */
#include <stdint.h>
#include <string.h>
#include BENCH_HEADER

int main(void) {
  static int8_t input[BENCH_INPUT_BYTES];
  static int8_t output[BENCH_OUTPUT_BYTES];
  int i;
  for (i = 0; i < BENCH_INPUT_BYTES; ++i) input[i] = (int8_t)((i * 37) % 256 - 128);
  return BENCH_INVOKE(input, output);
}
