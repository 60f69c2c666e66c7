# The eBPF capture backend (`capture --backend ebpf`, issue 19 item 4).
#
# CST_EBPF=AUTO (default) builds it when clang, bpftool and libbpf
# (pkg-config) are all found; ON makes a missing one an error; OFF leaves
# it out.  Without it the backend still exists as a name: opening it says
# in one line what was missing at build time (src/capture/ebpf_off.c).
#
# The BPF program (src/capture/bpf/cut.bpf.c) is compiled with
# `clang -target bpf -g -O2` and embedded through a bpftool skeleton
# (cut.skel.h in the build tree).  It reads only the UAPI context
# (struct __sk_buff, rewritten by the verifier for the running kernel) and
# packet bytes through helpers, never a kernel structure, so it needs no
# vmlinux.h and no CO-RE relocation: the object loads on any kernel with
# BPF ring buffers (5.8) without /sys/kernel/btf/vmlinux at build time.
#
# Sets CST_EBPF_ENABLED, filters CST_LIB_SOURCES and provides
# cst_ebpf_target(<target>) for each library target.

set(CST_EBPF AUTO CACHE STRING "Build the eBPF capture backend: AUTO, ON or OFF")
set_property(CACHE CST_EBPF PROPERTY STRINGS AUTO ON OFF)

set(CST_EBPF_ENABLED OFF)
set(CST_EBPF_MISSING "")
if(NOT CST_EBPF STREQUAL "OFF")
  find_program(CST_BPF_CLANG NAMES clang clang-16 clang-15 clang-14)
  find_program(CST_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin)
  pkg_check_modules(CST_LIBBPF IMPORTED_TARGET libbpf)
  if(NOT CST_BPF_CLANG)
    list(APPEND CST_EBPF_MISSING clang)
  endif()
  if(NOT CST_BPFTOOL)
    list(APPEND CST_EBPF_MISSING bpftool)
  endif()
  if(NOT CST_LIBBPF_FOUND)
    list(APPEND CST_EBPF_MISSING libbpf-dev)
  endif()
  if(CST_EBPF_MISSING)
    if(CST_EBPF STREQUAL "ON")
      message(FATAL_ERROR "CST_EBPF=ON but not found: ${CST_EBPF_MISSING}")
    endif()
    string(REPLACE ";" ", " CST_EBPF_MISSING "${CST_EBPF_MISSING}")
    message(STATUS "eBPF backend: off (not found: ${CST_EBPF_MISSING})")
    set(CST_EBPF_MISSING "${CST_EBPF_MISSING} not found at build time; install them and rebuild")
  else()
    set(CST_EBPF_ENABLED ON)
    message(STATUS "eBPF backend: on (${CST_BPF_CLANG}, ${CST_BPFTOOL}, libbpf ${CST_LIBBPF_VERSION})")
  endif()
else()
  set(CST_EBPF_MISSING "built with -DCST_EBPF=OFF")
endif()

# The BPF program is not library C; the backend is in or out as a whole.
list(FILTER CST_LIB_SOURCES EXCLUDE REGEX "\\.bpf\\.c$")
if(CST_EBPF_ENABLED)
  list(FILTER CST_LIB_SOURCES EXCLUDE REGEX "src/capture/ebpf_off\\.c$")
  set(CST_BPF_GEN ${PROJECT_BINARY_DIR}/gen)
  set(CST_BPF_SRC ${PROJECT_SOURCE_DIR}/src/capture/bpf/cut.bpf.c)
  set(CST_BPF_OBJ ${CST_BPF_GEN}/cut.bpf.o)
  set(CST_BPF_SKEL ${CST_BPF_GEN}/cut.skel.h)
  # asm/types.h of the build machine's multiarch directory (linux/bpf.h needs it)
  set(CST_BPF_ARCH_INC "")
  if(CMAKE_LIBRARY_ARCHITECTURE)
    set(CST_BPF_ARCH_INC -I/usr/include/${CMAKE_LIBRARY_ARCHITECTURE})
  endif()
  add_custom_command(
    OUTPUT ${CST_BPF_OBJ}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CST_BPF_GEN}
    COMMAND ${CST_BPF_CLANG} -target bpf -g -O2 -Wall -Werror ${CST_BPF_ARCH_INC}
            -I${PROJECT_SOURCE_DIR}/src -c ${CST_BPF_SRC} -o ${CST_BPF_OBJ}
    DEPENDS ${CST_BPF_SRC} ${PROJECT_SOURCE_DIR}/src/capture/bpf/cut_abi.h
    COMMENT "Compiling the eBPF capture program"
    VERBATIM)
  add_custom_command(
    OUTPUT ${CST_BPF_SKEL}
    COMMAND ${CST_BPFTOOL} gen skeleton ${CST_BPF_OBJ} name cut_bpf > ${CST_BPF_SKEL}
    DEPENDS ${CST_BPF_OBJ}
    COMMENT "Generating the eBPF skeleton"
    VERBATIM)
  add_custom_target(cst_bpf_skel DEPENDS ${CST_BPF_SKEL})
  list(APPEND CST_PC_REQUIRES_PRIVATE libbpf)
else()
  list(FILTER CST_LIB_SOURCES EXCLUDE REGEX "src/capture/ebpf[^/]*\\.c$")
  list(APPEND CST_LIB_SOURCES ${PROJECT_SOURCE_DIR}/src/capture/ebpf_off.c)
endif()

function(cst_ebpf_target tgt)
  if(CST_EBPF_ENABLED)
    add_dependencies(${tgt} cst_bpf_skel)
    target_include_directories(${tgt} PRIVATE ${CST_BPF_GEN})
    target_compile_definitions(${tgt} PRIVATE CST_HAVE_EBPF=1)
    # installed consumers get libbpf from the package's CST_DEPS (libbpf is in
    # CST_PC_REQUIRES_PRIVATE), not from this build-tree target
    target_link_libraries(${tgt} PRIVATE $<BUILD_INTERFACE:PkgConfig::CST_LIBBPF>)
  else()
    target_compile_definitions(${tgt} PRIVATE "CST_EBPF_MISSING=\"${CST_EBPF_MISSING}\"")
  endif()
endfunction()
