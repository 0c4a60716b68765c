/**
 * The distinct ArrayBuffers that typed arrays span whole: what can be moved (transferred)
 * between the main and engine threads without copying. Slices of larger buffers are left out
 * (they are cloned instead).
 */
import { wholeBuffer } from '@disco/dataplane';

export function wholeBuffers(arrays: readonly ArrayBufferView[]): ArrayBuffer[] {
  return [...new Set(arrays.map(wholeBuffer).filter((b): b is ArrayBuffer => b !== undefined))];
}
