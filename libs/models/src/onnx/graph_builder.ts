/**
 * Builds one ONNX graph node by node: float32 initializers, operator nodes with typed
 * attributes, unique value names derived from the module paths they come from.
 */
import { encodeModel, ONNX_DTYPE, type AttributeValue, type NodeValue, type OnnxDtype, type TensorValue, type ValueInfo } from './proto.ts';

/** An attribute with its ONNX type made explicit (an integer 1 and a float 1.0 look alike in JS). */
export type Attr = { int: number } | { ints: readonly number[] } | { float: number } | { floats: readonly number[] };

/** ONNX opset the graphs target (HardSwish needs ≥ 14; ReduceL2 keeps `axes` as an attribute until 18). */
export const OPSET = 17;
/** IR version that goes with opset 17. */
export const IR_VERSION = 8;

function attribute(name: string, a: Attr): AttributeValue {
  if ('int' in a) return { name, type: 'INT', i: a.int };
  if ('ints' in a) return { name, type: 'INTS', ints: [...a.ints] };
  if ('float' in a) return { name, type: 'FLOAT', f: a.float };
  return { name, type: 'FLOATS', floats: [...a.floats] };
}

export class OnnxGraphBuilder {
  private readonly nodes: NodeValue[] = [];
  private readonly initializers: TensorValue[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly used = new Set<string>();

  constructor(readonly graphName: string) {}

  /** `hint`, or `hint_2`, `hint_3`, … if taken. */
  private unique(hint: string): string {
    let name = hint || 'value';
    for (let i = 2; this.used.has(name); i++) name = `${hint}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Declares a graph input; returns its name. */
  input(name: string, dtype: OnnxDtype, dims: (number | string)[]): string {
    const unique = this.unique(name);
    this.inputs.push({ name: unique, elemType: ONNX_DTYPE[dtype], dims });
    return unique;
  }

  /** Declares `value` (already computed) a graph output. */
  output(value: string, dtype: OnnxDtype, dims: (number | string)[]): void {
    this.outputs.push({ name: value, elemType: ONNX_DTYPE[dtype], dims });
  }

  /** A float32 constant tensor (weights are copied). */
  constant(hint: string, data: Float32Array, dims: readonly number[]): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new RangeError(`constant ${hint}: ${data.length} values for dims [${dims}]`);
    const name = this.unique(hint);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    this.initializers.push({ name, dims: [...dims], dataType: ONNX_DTYPE.float32, rawData: bytes });
    return name;
  }

  /** A scalar or small float32 constant. */
  scalar(hint: string, values: readonly number[], dims: readonly number[] = []): string {
    return this.constant(hint, Float32Array.from(values), dims);
  }

  /** Adds `opType(inputs)` with one output, named `outputName` exactly or derived from `hint`; returns it. */
  node(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, hint = opType, outputName?: string): string {
    const output = outputName ?? this.unique(hint);
    if (outputName !== undefined) {
      if (this.used.has(outputName)) throw new RangeError(`ONNX value name '${outputName}' is already taken`);
      this.used.add(outputName);
    }
    const attributes = Object.entries(attrs).map(([name, a]) => attribute(name, a));
    this.nodes.push({ name: `${output}/${opType}`, opType, input: [...inputs], output: [output], attribute: attributes });
    return output;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** The serialized ModelProto. */
  build(docString: string, producerVersion = '0.1.0'): Uint8Array {
    if (!this.inputs.length || !this.outputs.length) throw new RangeError(`graph ${this.graphName}: needs at least one input and one output`);
    return encodeModel({
      opset: OPSET,
      irVersion: IR_VERSION,
      producerVersion,
      docString,
      graphName: this.graphName,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
    });
  }
}
