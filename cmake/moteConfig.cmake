# find_package(mote): mote as installed by `cmake --install`.
#   mote::runtime       the C99 runtime kernels, compiled with the caller's toolchain (a cross
#                       compiler for a firmware project); a model folder added with
#                       add_subdirectory links it instead of its own copies of the kernels
#   MOTE_EXECUTABLE     the mote command
#   MOTE_RUNTIME_DIR    the runtime sources and headers
#   MOTE_FIRMWARE_DIR   the QEMU firmware mote run builds: startup, semihosting (fw_io.c and
#                       fw_records.c), linker scripts
#   MOTE_TOOLCHAIN_FILE arm-none-eabi.cmake, a toolchain file for arm-none-eabi-gcc
get_filename_component(_mote_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(MOTE_EXECUTABLE "${_mote_prefix}/bin/mote")
set(MOTE_RUNTIME_DIR "${_mote_prefix}/share/mote/runtime")
set(MOTE_FIRMWARE_DIR "${_mote_prefix}/share/mote/target/firmware")
set(MOTE_TOOLCHAIN_FILE "${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake")
if(NOT TARGET mote::runtime)
  file(GLOB_RECURSE _mote_runtime_sources "${MOTE_RUNTIME_DIR}/src/*.c")
  add_library(mote_runtime STATIC ${_mote_runtime_sources})
  target_include_directories(mote_runtime PUBLIC "${MOTE_RUNTIME_DIR}/include")
  set_target_properties(mote_runtime PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  # The DSP kernels' inline assembly holds many operands in registers, which gcc allocates only
  # when optimizing: keep them at -O2 in a Debug build too.
  file(GLOB_RECURSE _mote_dsp_sources "${MOTE_RUNTIME_DIR}/src/*_dsp.c")
  set_source_files_properties(${_mote_dsp_sources} PROPERTIES COMPILE_OPTIONS "-O2")
  add_library(mote::runtime ALIAS mote_runtime)
endif()
set(mote_FOUND TRUE)
