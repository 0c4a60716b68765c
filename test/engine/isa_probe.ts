/**
 * Run by isa_matrix.test.ts as a child process: starts the 'native' backend (its self-check
 * included), runs one convolution, and prints one JSON line: the backend chosen, libtorch's
 * thread count and which native addon and sanitizer runtime this process mapped. With
 * ONEDNN_VERBOSE=1 oneDNN also prints the ISA it dispatches to, which the matrix checks.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';

const info = await initBackend('native');
const y = tf.conv2d(tf.ones([1, 8, 8, 4]) as tf.Tensor4D, tf.ones([3, 3, 4, 8]) as tf.Tensor4D, 1, 'same');
y.dataSync();
const mapped = [...new Set(readFileSync('/proc/self/maps', 'utf8').split('\n').map((l) => l.split(/\s+/)[5] ?? '').filter((p) => /disco_tensor_native|libasan/.test(p)))];
console.log(JSON.stringify({ probe: true, backend: info.name, threads: info.threads, mapped }));
