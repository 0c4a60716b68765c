/**
 * A minimal PyTorch-shaped module tree on tfjs variables. Parameter and buffer names are the
 * dotted names torchvision uses (`layer1.0.conv1.weight`), so PyTorch state dicts map 1:1;
 * only the memory layout differs, and each tensor records its `layout` so importers and
 * exporters can transpose generically.
 */
import * as tf from '@tensorflow/tfjs-core';

/** How a tensor is laid out here; PyTorch's layout in brackets. */
export type Layout =
  | 'conv-hwio' // [kh, kw, in, out]        (PyTorch [out, in, kh, kw])
  | 'depthwise-hwcm' // [kh, kw, C, M]       (PyTorch [C*M, 1, kh, kw])
  | 'linear-io' // [in, out]                 (PyTorch [out, in])
  | 'plain'; // same in both (vectors, scalars, queues)

/**
 * BatchNorm behaviour for one forward pass:
 * - `train`: batch statistics, running statistics updated (PyTorch `.train()`);
 * - `eval`: running statistics (PyTorch `.eval()`);
 * - `batch`: batch statistics, running statistics left alone (a frozen teacher in batch mode).
 */
export type BnMode = 'train' | 'eval' | 'batch';

export interface ForwardOptions {
  bn: BnMode;
}

export interface NamedTensor {
  name: string;
  variable: tf.Variable;
  layout: Layout;
  /** Parameters get gradients; buffers (running statistics) do not. */
  kind: 'param' | 'buffer';
}

export class StateDictError extends Error {
  override name = 'StateDictError';
}

export abstract class Module {
  private readonly own = new Map<string, NamedTensor>();
  private readonly children = new Map<string, Module>();

  abstract forward(x: tf.Tensor, opts: ForwardOptions): tf.Tensor;

  /** Registers a trainable parameter (takes ownership of `init`). */
  protected param(name: string, init: tf.Tensor, layout: Layout = 'plain'): tf.Variable {
    return this.register(name, init, layout, 'param');
  }

  /** Registers a non-trainable buffer such as BatchNorm running statistics. */
  protected buffer(name: string, init: tf.Tensor, layout: Layout = 'plain'): tf.Variable {
    return this.register(name, init, layout, 'buffer');
  }

  protected child<M extends Module>(name: string, module: M): M {
    if (this.children.has(name) || this.own.has(name)) throw new StateDictError(`duplicate child name '${name}'`);
    this.children.set(name, module);
    return module;
  }

  private register(name: string, init: tf.Tensor, layout: Layout, kind: NamedTensor['kind']): tf.Variable {
    if (this.own.has(name) || this.children.has(name)) throw new StateDictError(`duplicate tensor name '${name}'`);
    const variable = tf.variable(init, kind === 'param');
    init.dispose();
    this.own.set(name, { name, variable, layout, kind });
    return variable;
  }

  /** Every parameter and buffer of the tree, depth first, in registration order. */
  namedTensors(prefix = ''): NamedTensor[] {
    const out: NamedTensor[] = [];
    for (const t of this.own.values()) out.push({ ...t, name: prefix + t.name });
    for (const [name, child] of this.children) out.push(...child.namedTensors(`${prefix}${name}.`));
    return out;
  }

  /** This module and every descendant with its dotted name ('' for this one), depth first (PyTorch `named_modules`). */
  namedModules(prefix = ''): { name: string; module: Module }[] {
    const out = [{ name: prefix.replace(/\.$/, ''), module: this as Module }];
    for (const [name, child] of this.children) out.push(...child.namedModules(`${prefix}${name}.`));
    return out;
  }

  /** Trainable parameters only, in a stable order. */
  parameters(): tf.Variable[] {
    return this.namedTensors()
      .filter((t) => t.kind === 'param')
      .map((t) => t.variable);
  }

  parameterCount(): number {
    return this.namedTensors()
      .filter((t) => t.kind === 'param')
      .reduce((n, t) => n + t.variable.size, 0);
  }

  /** Marks every parameter (not) trainable, e.g. for a frozen teacher or a momentum encoder. */
  setTrainable(trainable: boolean): void {
    for (const t of this.namedTensors()) if (t.kind === 'param') t.variable.trainable = trainable;
  }

  /**
   * Assigns values by name. Strict: every tensor of the module must be given, with the same
   * shape, and no unknown name may appear; the error lists all problems at once.
   */
  loadState(values: ReadonlyMap<string, tf.Tensor>): void {
    const mine = this.namedTensors();
    const problems: string[] = [];
    const known = new Set(mine.map((t) => t.name));
    const missing = mine.filter((t) => !values.has(t.name)).map((t) => t.name);
    const unknown = [...values.keys()].filter((k) => !known.has(k));
    if (missing.length) problems.push(`missing keys: ${missing.join(', ')}`);
    if (unknown.length) problems.push(`unknown keys: ${unknown.join(', ')}`);
    for (const t of mine) {
      const v = values.get(t.name);
      if (v && !sameShape(v.shape, t.variable.shape)) {
        problems.push(`${t.name}: shape [${v.shape}] does not match [${t.variable.shape}]`);
      }
    }
    if (problems.length) throw new StateDictError(`state dict does not fit the model: ${problems.join('; ')}`);
    tf.tidy(() => {
      for (const t of mine) t.variable.assign(tf.cast(values.get(t.name)!, t.variable.dtype));
    });
  }

  /** Copies every parameter and buffer from a module of the same architecture. */
  copyFrom(other: Module): void {
    const values = new Map(other.namedTensors().map((t) => [t.name, t.variable as tf.Tensor]));
    this.loadState(values);
  }

  dispose(): void {
    for (const t of this.namedTensors()) t.variable.dispose();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
