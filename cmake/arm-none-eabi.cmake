# A CMake toolchain file for arm-none-eabi-gcc (Debian gcc-arm-none-eabi with newlib):
#   cmake -S firmware -B build -DCMAKE_TOOLCHAIN_FILE=<prefix>/lib/cmake/mote/arm-none-eabi.cmake
# MOTE_CPU_FLAGS selects the core; the default is the Cortex-M4F. Each core's flags are in
# mote's target profiles (share/mote/target/profiles.json), e.g.
#   -DMOTE_CPU_FLAGS="-mcpu=cortex-m0plus -mthumb -mfloat-abi=soft"
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
# Bare metal: try-compiles build a library, not a program that would need startup code.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(MOTE_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16" CACHE STRING "gcc flags of the target core")
set(CMAKE_C_FLAGS_INIT "${MOTE_CPU_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${MOTE_CPU_FLAGS} -Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
