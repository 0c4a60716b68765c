/** Why a module cannot become an ONNX graph, or why the ONNX runtime cannot run one. */
export class OnnxExportError extends Error {
  override name = 'OnnxExportError';
}

export class OnnxRuntimeError extends Error {
  override name = 'OnnxRuntimeError';
}
