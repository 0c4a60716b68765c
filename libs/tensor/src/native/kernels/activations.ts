/** The fused activations the addon applies itself (native/src/activation.cc); others use the cpu kernel. */
export const NATIVE_ACTIVATIONS: ReadonlySet<string> = new Set(['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu']);
