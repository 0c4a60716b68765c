/**
 * Encodes a ModelProto with the official ONNX definitions (the `onnx-proto` package: onnx.proto
 * compiled by protobufjs, IR version 8).
 */
import onnxProto from 'onnx-proto';

const { ModelProto } = onnxProto.onnx;

/** ONNX `TensorProto.DataType` values we write. */
export const ONNX_DTYPE = { float32: 1, uint8: 2, int64: 7 } as const;
export type OnnxDtype = keyof typeof ONNX_DTYPE;

export interface AttributeValue {
  name: string;
  type: 'FLOAT' | 'INT' | 'INTS' | 'FLOATS';
  f?: number;
  i?: number;
  ints?: number[];
  floats?: number[];
}

export interface TensorValue {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

export interface NodeValue {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: AttributeValue[];
}

export interface ValueInfo {
  name: string;
  elemType: number;
  /** A number is a fixed size, a string a symbolic one (`N`, `H`). */
  dims: (number | string)[];
}

export interface ModelValue {
  opset: number;
  irVersion: number;
  producerVersion: string;
  docString: string;
  graphName: string;
  nodes: NodeValue[];
  initializers: TensorValue[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

function valueInfo(v: ValueInfo) {
  const dim = v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name: v.name, type: { tensorType: { elemType: v.elemType, shape: { dim } } } };
}

/** The serialized ModelProto. */
export function encodeModel(m: ModelValue): Uint8Array {
  const message = ModelProto.fromObject({
    irVersion: m.irVersion,
    producerName: 'disco',
    producerVersion: m.producerVersion,
    docString: m.docString,
    opsetImport: [{ domain: '', version: m.opset }],
    graph: {
      name: m.graphName,
      node: m.nodes,
      initializer: m.initializers,
      input: m.inputs.map(valueInfo),
      output: m.outputs.map(valueInfo),
    },
  });
  return ModelProto.encode(message).finish();
}

/** Decodes a ModelProto (for tests and inspection): plain object with camelCase field names. */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, enums: String, bytes: Array }) as Record<string, unknown>;
}
