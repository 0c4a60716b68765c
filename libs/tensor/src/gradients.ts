/**
 * Registers tfjs-core's gradient functions, without which `tf.grad` cannot train anything.
 *
 * The Node build of `@tensorflow/tfjs-core` (`dist/tf-core.node.js`) registers no gradients:
 * the union package `@tensorflow/tfjs` bundles them, and disco does not depend on it. The only
 * copy in tfjs-core is the ES-module tree under `dist/` (`register_all_gradients.js`), whose
 * imports are extensionless and, once, ambiguous (`./gradients` is both a file and a folder),
 * which Node's ES-module resolver refuses (ERR_UNSUPPORTED_DIR_IMPORT). A resolve hook, scoped
 * to that tree, retries such an import with `.js`. The gradient registry and the engine live in
 * global state shared by both copies of tfjs-core, so the registered gradients apply to the
 * `tf` every disco module imports.
 */
import { register } from 'node:module';
import { getGradient } from '@tensorflow/tfjs-core';

const HOOK = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    const inCore = (context.parentURL ?? '').includes('/@tensorflow/tfjs-core/dist/');
    if (inCore && err && err.code === 'ERR_UNSUPPORTED_DIR_IMPORT') return next(specifier + '.js', context);
    throw err;
  }
}`;

let pending: Promise<void> | undefined;

/** Idempotent; a no-op where the gradients are already registered (e.g. by `@tensorflow/tfjs`). */
export function registerGradients(): Promise<void> {
  pending ??= (async () => {
    if (getGradient('Conv2D') !== undefined) return;
    register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  })();
  return pending;
}
