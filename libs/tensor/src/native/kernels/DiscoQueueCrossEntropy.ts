/**
 * `DiscoQueueCrossEntropy` (q, pos, queue, targets?; T) → [loss [], probs [N, 1+K]]: the
 * cross-entropy of [q·pos, q·queueᵀ]/T against column 0 (MoCo's InfoNCE) or `targets` (SEED),
 * in one native call; and `DiscoQueueCrossEntropyGrad`, its gradient
 * (gradients/DiscoQueueCrossEntropy_grad.ts). 'native' only: `queueCrossEntropy` composes tfjs
 * ops on every other backend.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeKernelArgs } from './fallback.ts';

export const DISCO_QUEUE_CROSS_ENTROPY = 'DiscoQueueCrossEntropy';
export const DISCO_QUEUE_CROSS_ENTROPY_GRAD = 'DiscoQueueCrossEntropyGrad';

export interface DiscoQueueCrossEntropyAttrs {
  T: number;
}

/** `targets` is [N, 1+K], or empty ([0]) for one-hot at column 0 (an input either way, so the gradient can save it). */
function targetsOrNull(backend: NativeKernelArgs['backend'], targets: TensorInfo | undefined): Float32Array | null {
  return targets && targets.shape[0] !== 0 ? backend.floats(targets) : null;
}

export const discoQueueCrossEntropyConfig: KernelConfig = {
  kernelName: DISCO_QUEUE_CROSS_ENTROPY,
  backendName: 'native',
  kernelFunc: (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const { q, pos, queue, targets } = inputs;
    const [n, d] = q.shape;
    const k = queue.shape[0];
    const [loss, probs] = backend.addon.queueCrossEntropy(backend.floats(q), backend.floats(pos), backend.floats(queue), n, d, k,
      (attrs as unknown as DiscoQueueCrossEntropyAttrs).T, targetsOrNull(backend, targets));
    return [backend.output([], loss), backend.output([n, k + 1], probs)]; // [], [N, 1+K]
  },
};

export const discoQueueCrossEntropyGradConfig: KernelConfig = {
  kernelName: DISCO_QUEUE_CROSS_ENTROPY_GRAD,
  backendName: 'native',
  kernelFunc: (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const { dy, q, pos, queue, probs, targets } = inputs;
    const [n, d] = q.shape;
    const k = queue.shape[0];
    const which = (attrs as { which: number[] }).which;
    const [dq, dpos, dqueue] = backend.addon.queueCrossEntropyGrad(backend.floats(dy), backend.floats(q), backend.floats(pos), backend.floats(queue),
      backend.floats(probs), n, d, k, (attrs as unknown as DiscoQueueCrossEntropyAttrs).T, targetsOrNull(backend, targets), which);
    const out = (values: Float32Array, shape: number[]) => (values.length ? backend.output(shape, values) : backend.makeTensorInfo([0], 'float32'));
    return [out(dq, [n, d]), out(dpos, [n, d]), out(dqueue, [k, d])]; // [N, D], [N, D], [K, D] (empty where not asked)
  },
};
