/* The two libc symbols clang may emit for loops; the kernels link without a libc. */
#include <stddef.h>
#include <stdint.h>

void *memset(void *dst, int c, size_t n) {
  uint8_t *p = dst;
  while (n--) *p++ = (uint8_t)c;
  return dst;
}

void *memcpy(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  while (n--) *d++ = *s++;
  return dst;
}
