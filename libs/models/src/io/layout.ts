/**
 * PyTorch ↔ disco memory layouts (see `Layout` in nn/module.ts). Conversions permute raw
 * elements, so they are exact and invertible bit for bit.
 */
import type { Layout } from '../nn/module.ts';
import { permute, type RawTensor } from './raw_tensor.ts';

/** The PyTorch shape of a tensor whose shape here is `ours`. */
export function torchShape(layout: Layout, ours: readonly number[]): number[] {
  switch (layout) {
    case 'conv-hwio': {
      const [kh, kw, i, o] = ours;
      return [o, i, kh, kw];
    }
    case 'depthwise-hwcm': {
      const [kh, kw, c, m] = ours;
      return [c * m, 1, kh, kw];
    }
    case 'linear-io':
      return [ours[1], ours[0]];
    case 'plain':
      return [...ours];
  }
}

/** PyTorch layout → ours; `ours` is the target shape (it fixes M of a depthwise kernel). */
export function fromTorchLayout(t: RawTensor, layout: Layout, ours: readonly number[]): RawTensor {
  switch (layout) {
    case 'conv-hwio':
      return permute(t, [2, 3, 1, 0]); // [O, I, kh, kw] → [kh, kw, I, O]
    case 'depthwise-hwcm': {
      const [kh, kw, c, m] = ours;
      return permute({ ...t, shape: [c, m, kh, kw] }, [2, 3, 0, 1]); // [C·M, 1, kh, kw] = [C, M, kh, kw] → [kh, kw, C, M]
    }
    case 'linear-io':
      return permute(t, [1, 0]); // [out, in] → [in, out]
    case 'plain':
      return t;
  }
}

/** Ours → PyTorch layout. */
export function toTorchLayout(t: RawTensor, layout: Layout): RawTensor {
  switch (layout) {
    case 'conv-hwio':
      return permute(t, [3, 2, 0, 1]); // [kh, kw, I, O] → [O, I, kh, kw]
    case 'depthwise-hwcm': {
      const [kh, kw, c, m] = t.shape;
      const p = permute(t, [2, 3, 0, 1]); // [kh, kw, C, M] → [C, M, kh, kw]
      return { ...p, shape: [c * m, 1, kh, kw] };
    }
    case 'linear-io':
      return permute(t, [1, 0]); // [in, out] → [out, in]
    case 'plain':
      return t;
  }
}
