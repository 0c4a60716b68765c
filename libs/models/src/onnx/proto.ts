/**
 * Encodes a ModelProto with protobufjs from the committed `onnx.proto` subset (field numbers
 * are ONNX's own). The schema is parsed once per process.
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

const PROTO_PATH = new URL('./onnx.proto', import.meta.url);

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

let modelType: protobuf.Type | undefined;

function modelProto(): protobuf.Type {
  modelType ??= protobuf.parse(readFileSync(PROTO_PATH, 'utf8'), { keepCase: false }).root.lookupType('onnx.ModelProto');
  return modelType;
}

function valueInfo(v: ValueInfo) {
  const dim = v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name: v.name, type: { tensorType: { elemType: v.elemType, shape: { dim } } } };
}

/** The serialized ModelProto. */
export function encodeModel(m: ModelValue): Uint8Array {
  const type = modelProto();
  const message = type.fromObject({
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
  return type.encode(message).finish();
}

/** Decodes a ModelProto (for tests and inspection): plain object with camelCase field names. */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const type = modelProto();
  return type.toObject(type.decode(bytes), { longs: Number, enums: String, bytes: Array }) as Record<string, unknown>;
}
