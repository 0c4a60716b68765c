/**
 * The 'native' backend's start-up self-check: a few convolution and pooling gradients computed
 * on 'native' and on tfjs's cpu backend (the reference), compared. libtorch dispatches its
 * convolutions to whichever oneDNN code path the CPU (or DNNL_MAX_CPU_ISA) selects, and one such
 * path once computed wrong 1×1 stride-2 weight gradients on AVX2 machines while the machine that
 * built disco was fine (see native/src/conv.cc). If any case disagrees here, the backend refuses
 * itself and disco falls back to wasm, with the reason in `disco info`: no user trains on a
 * wrong engine. The cases are tiny (a few milliseconds in all) and cover each dispatch family:
 * strided 1×1 with fewer input channels than a SIMD block, asymmetric 'same' padding, the
 * ImageNet stem's 7×7/2, depthwise, max-pool.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Agreement required: max |native − cpu| ≤ SELF_CHECK_TOL · max(1, max |cpu|), as the tests' TOL. */
export const SELF_CHECK_TOL = 1e-4;

export class NativeSelfCheckError extends Error {
  override name = 'NativeSelfCheckError';
}

/** Deterministic values in [−1, 1) (an LCG: the same numbers on every machine). */
function pseudoRandom(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const rand4 = (shape: [number, number, number, number], seed: number): tf.Tensor4D =>
  tf.tensor4d(pseudoRandom(shape.reduce((a, b) => a * b), seed), shape);

/** Σ yᵢ·wᵢ with fixed weights: a loss whose gradient reaches every output differently. */
function weightedSum(y: tf.Tensor): tf.Scalar {
  return tf.sum(tf.mul(y, tf.tensor(pseudoRandom(y.size, 99), y.shape)));
}

interface SelfCheckCase {
  label: string;
  /** The outputs compared: a forward result and its gradients. */
  run: () => tf.Tensor[];
}

function convCase(label: string, x: [number, number, number, number], w: [number, number, number, number], stride: number,
  pad: 'same' | 'valid' | number): SelfCheckCase {
  return {
    label,
    run: () => {
      const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, stride, pad);
      const [xs, ws] = [rand4(x, 1), rand4(w, 2)];
      return [f(xs, ws), ...tf.grads((a: tf.Tensor, b: tf.Tensor) => weightedSum(f(a, b)))([xs, ws])]; // [y, dx, dW]
    },
  };
}

export const SELF_CHECK_CASES: readonly SelfCheckCase[] = [
  // ResNet's downsampling shortcut with 4 input channels (under AVX2's 8 and AVX-512's 16).
  convCase('conv 1×1 stride 2, 4→8 channels', [2, 10, 10, 4], [1, 1, 4, 8], 2, 'valid'),
  convCase('conv 1×1 stride 2, 20→12 channels', [2, 7, 8, 20], [1, 1, 20, 12], 2, 'valid'),
  convCase('conv 3×3 stride 2, asymmetric same padding', [2, 8, 9, 3], [3, 3, 3, 5], 2, 'same'),
  convCase('conv 7×7 stride 2 pad 3 (ImageNet stem)', [1, 15, 16, 3], [7, 7, 3, 8], 2, 3),
  {
    label: 'depthwise 3×3 stride 2, same padding',
    run: () => {
      const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.depthwiseConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 2, 'same');
      const [xs, ws] = [rand4([2, 9, 8, 6], 3), rand4([3, 3, 6, 1], 4)];
      return [f(xs, ws), ...tf.grads((a: tf.Tensor, b: tf.Tensor) => weightedSum(f(a, b)))([xs, ws])];
    },
  },
  {
    label: 'max-pool 3×3 stride 2, same padding',
    run: () => {
      const f = (xx: tf.Tensor) => tf.maxPool(xx as tf.Tensor4D, 3, 2, 'same');
      const xs = rand4([2, 9, 8, 5], 5);
      return [f(xs), tf.grad((a: tf.Tensor) => weightedSum(f(a)))(xs)];
    },
  },
];

function runOnBackend(backend: string, c: SelfCheckCase): Float32Array[] {
  tf.setBackend(backend);
  const out = tf.tidy(c.run);
  const values = out.map((t) => t.dataSync() as Float32Array);
  tf.dispose(out);
  return values;
}

/** Largest |got − want| / max(1, max |want|) over all outputs (Infinity if anything is not finite or missized). */
function relativeError(want: Float32Array[], got: Float32Array[]): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    if (got[i]?.length !== want[i].length) return Infinity;
    let diff = 0;
    let mag = 1;
    for (let j = 0; j < want[i].length; j++) {
      diff = Math.max(diff, Math.abs(got[i][j] - want[i][j]));
      mag = Math.max(mag, Math.abs(want[i][j]));
    }
    if (!Number.isFinite(diff)) return Infinity;
    worst = Math.max(worst, diff / mag);
  }
  return worst;
}

/**
 * Runs every case on `backend` (a backend registered with the native kernels, 'native' in
 * production) and on cpu; throws `NativeSelfCheckError` naming the first case that disagrees.
 * Leaves `backend` active.
 */
export function selfCheckNative(backend: string, cases: readonly SelfCheckCase[] = SELF_CHECK_CASES): void {
  // The cpu backend prints an "install tfjs-node" banner at its first use; here it is only the reference.
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
  try {
    for (const c of cases) {
      const want = runOnBackend('cpu', c);
      const got = runOnBackend(backend, c);
      const err = relativeError(want, got);
      if (!(err <= SELF_CHECK_TOL)) {
        const isa = process.env.DNNL_MAX_CPU_ISA ?? process.env.ONEDNN_MAX_CPU_ISA;
        throw new NativeSelfCheckError(
          `native self-check failed: ${c.label} differs from the cpu backend by ${err.toExponential(2)} (tolerance ${SELF_CHECK_TOL})` +
            `${isa ? ` with DNNL_MAX_CPU_ISA=${isa}` : ''}; libtorch computes wrong results on this CPU, so 'native' is not used`,
        );
      }
    }
  } finally {
    tf.setBackend(backend);
  }
}
