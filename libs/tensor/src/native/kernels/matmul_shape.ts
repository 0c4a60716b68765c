/** The output shape of tfjs's BatchMatMul: broadcast batch dimensions, then [M, N]. */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';

/** [...batch, M, N], or undefined when the inner dimensions disagree (the cpu kernel then says so). */
export function matmulOutShape(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): number[] | undefined {
  if (a.shape.length < 2 || b.shape.length < 2) return undefined;
  const ra = a.shape.length, rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const ka = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (ka !== kb) return undefined;
  const batch = backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return [...batch, m, n];
}
