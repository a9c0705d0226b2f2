// What the kernel tests that run on qemu-system-arm share: a bare-metal startup for the MPS2
// boards, its linker script and C array literals of the expected data.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace mote::test {

// Vector table (stack top, reset) and a reset handler that enables the FPU and enters newlib.
inline const char* const kStartup = R"(extern void _start(void);
extern unsigned int __stack_top;
void reset_entry(void);
void reset_entry(void) {
  *(volatile unsigned int *)0xE000ED88u |= 0xFu << 20;
  __asm__ volatile("dsb\n isb");
  _start();
  for (;;) {
  }
}
__attribute__((section(".vectors"), used)) const void *const vectors[2] = {&__stack_top, (const void *)reset_entry};
)";

// The board's code and data memory (e.g. "0x00000000", "0x20000000"), 4 MB each; newlib's
// symbols (init arrays, heap end, stack).
inline std::string linker_script(const std::string& code, const std::string& ram) {
  return "MEMORY { CODE (rx) : ORIGIN = " + code + ", LENGTH = 4M\n RAM (rwx) : ORIGIN = " + ram +
         ", LENGTH = 4M }\nENTRY(reset_entry)\nSECTIONS {\n"
         "  .text : { KEEP(*(.vectors)) *(.text*) *(.rodata*) KEEP(*(.init)) KEEP(*(.fini)) . = ALIGN(4);\n"
         "    __preinit_array_start = .; KEEP(*(.preinit_array)) __preinit_array_end = .;\n"
         "    __init_array_start = .; KEEP(*(.init_array*)) __init_array_end = .;\n"
         "    __fini_array_start = .; KEEP(*(.fini_array*)) __fini_array_end = .; } > CODE\n"
         "  .ARM.exidx : { *(.ARM.exidx*) } > CODE\n"
         "  .data : { *(.data*) . = ALIGN(4); } > RAM\n"
         "  .bss : { __bss_start__ = .; *(.bss*) *(COMMON) . = ALIGN(8); __bss_end__ = .; } > RAM\n"
         "  end = .; _end = .; __end__ = .;\n"
         "  __stack_top = ORIGIN(RAM) + LENGTH(RAM);\n  __stack = __stack_top;\n}\n";
}

// "static const TYPE name[n] = {...};" of p[0..n).
template <typename T>
std::string c_array(const std::string& type, const std::string& name, const T* p, size_t n) {
  std::string s = "static const " + type + " " + name + "[" + std::to_string(n) + "] = {";
  for (size_t k = 0; k < n; ++k) s += (k ? "," : "") + std::to_string(int64_t(p[k]));
  return s + "};\n";
}

}  // namespace mote::test
