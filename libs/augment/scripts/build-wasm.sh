#!/bin/sh
# Rebuilds libs/augment/src/wasm/augment-kernels.wasm from the C sources next to it, and
# records the sources' SHA-256 in augment-kernels.sources.sha256 (a test checks it, so an
# edited kernel cannot ship with a stale binary).
# Needs clang and wasm-ld (Debian: apt-get install clang lld). The .wasm is committed, so
# nothing else in disco needs a C toolchain; rebuild and commit it when a .c/.h file changes.
set -eu
cd "$(dirname "$0")/../src/wasm"
SOURCES="simd.h pixels4.h resize.c colour.c blur.c libc.c"
clang --target=wasm32 -O3 -msimd128 -nostdlib -ffreestanding -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--export=__heap_base -Wl,--strip-all \
  -o augment-kernels.wasm resize.c colour.c blur.c libc.c
cat $SOURCES | sha256sum | cut -d' ' -f1 > augment-kernels.sources.sha256
echo "built $(pwd)/augment-kernels.wasm ($(wc -c < augment-kernels.wasm) bytes) with $(clang --version | head -1)"
