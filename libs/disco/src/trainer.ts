/**
 * One train step of MoCo-v2 / DisCo / SEED, in the reference's order (DisCo builder `forward`
 * + main.py `train`): EMA-update the key encoder, encode the keys (Shuffle-BN substitute), encode
 * both views with the student (gradient), loss terms, SGD step, enqueue. Pure math: the views
 * and the teacher's embeddings come in as tensors; the state goes out as plain data.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Encoder, NamedTensor } from '@disco/models';
import { registerGradients, type Collective } from '@disco/tensor';
import { type AlgoConfig, localBatchSize, usesTeacher } from './config.ts';
import { EmbeddingDimError, NonFiniteLossError, StateError, type LossTerm } from './errors.ts';
import { KeyQueue } from './queue.ts';
import { MoCo } from './moco.ts';
import { SeedDistiller } from './distill.ts';
import { lossTerms, type ModeLoss, type TeacherPair, type Terms } from './loss.ts';
import { TorchSgd } from './sgd.ts';
import { learningRate } from './schedule.ts';
import { STEP_RNG_ALGORITHM, stepPermutation } from './rng.ts';
import { checkStepInput, type StepInput } from './step_input.ts';
import { averageGradients, broadcastBuffers, gatherRows, shuffleBnKeys, stateFingerprint } from './data_parallel.ts';
import * as state from './state.ts';

export interface DiscoTrainerOptions {
  /** Builds one student encoder (backbone + head); called twice in MoCo modes (query, key). */
  buildEncoder: () => Encoder;
  /** Output dimension of the teacher's head; required by every mode but `mocov2`. */
  teacherDim?: number;
  /**
   * The data-parallel group (config.worldSize > 1): gradients are averaged over it, keys
   * gathered, BatchNorm running statistics taken from rank 0 (see data_parallel.ts).
   */
  collective?: Collective;
}

export interface StepResult {
  /** Index of the step just taken (0-based). */
  step: number;
  batchId: string;
  lr: number;
  /** The loss that was differentiated. */
  loss: number;
  /** Each term before weighting (distill terms as reduced by `mseReduction`). */
  terms: Partial<Record<Exclude<LossTerm, 'total'>, number>>;
  /**
   * Data-parallel only: seconds this step spent waiting for the slowest replica (a barrier
   * before the first collective), averaging gradients, and gathering keys and losses.
   */
  collective?: { wait: number; allreduce: number; gather: number };
}

/** What a probe sees inside a step, before it is disposed (tests, debugging). */
export interface StepProbe {
  /** InfoNCE logits [N, 1+K] (MoCo modes). */
  logits?: tf.Tensor2D;
  /** Gradients of the loss by student parameter name (before weight decay). */
  grads: ReadonlyMap<string, tf.Tensor>;
}

/** Registers tfjs's gradient functions (idempotent), then builds the trainer. */
export async function createDiscoTrainer(config: AlgoConfig, options: DiscoTrainerOptions): Promise<DiscoTrainer> {
  await registerGradients();
  return new DiscoTrainer(config, options);
}

/** The student head must output `embedDim` through `headHidden`; the teacher must match it. */
function checkDimensions(config: AlgoConfig, student: Encoder, teacherDim: number | undefined): void {
  const { embedDim, headHidden, mode } = config;
  if (student.embeddingDim !== embedDim) throw new EmbeddingDimError(`student head outputs ${student.embeddingDim} dims, config embedDim is ${embedDim}`);
  const hidden = student.fc.config.hidden;
  if (hidden !== headHidden) throw new EmbeddingDimError(`student head hidden width is ${hidden}, config headHidden is ${headHidden}`);
  if (!usesTeacher(mode)) return;
  if (teacherDim === undefined) throw new EmbeddingDimError(`mode '${mode}' needs the teacher's embedding dimension (teacherDim)`);
  if (teacherDim !== embedDim) throw new EmbeddingDimError(`teacher embeds in ${teacherDim} dims but the student head outputs ${embedDim}`);
}

export class DiscoTrainer {
  readonly student: Encoder;
  readonly moco?: MoCo;
  readonly seedDistiller?: SeedDistiller;
  readonly optimizer: TorchSgd;
  private readonly queue: KeyQueue;
  private readonly params: NamedTensor[];
  private readonly nameOfVariable: Map<string, string>;
  /** The replicas' group when worldSize > 1. */
  private readonly collective?: Collective;
  private steps = 0;

  constructor(
    readonly config: AlgoConfig,
    options: DiscoTrainerOptions,
  ) {
    if (!tf.getGradient('BatchMatMul')) {
      throw new Error('DiscoTrainer: tfjs gradients are not registered; use createDiscoTrainer() or await registerGradients() from @disco/tensor first');
    }
    const groupSize = options.collective?.worldSize ?? 1;
    if (groupSize !== config.worldSize) {
      throw new RangeError(`DiscoTrainer: config.worldSize is ${config.worldSize} but the process group has ${groupSize} replica(s)`);
    }
    this.collective = config.worldSize > 1 ? options.collective : undefined;
    this.student = options.buildEncoder();
    try {
      checkDimensions(config, this.student, options.teacherDim);
    } catch (err) {
      this.student.dispose();
      throw err;
    }
    const { embedDim, mode } = config;
    this.queue = new KeyQueue(config.K, embedDim, config.seed);
    if (mode === 'seed') {
      this.seedDistiller = new SeedDistiller(this.queue, { Ts: config.seedTs, Tt: config.seedTt });
    } else {
      const key = options.buildEncoder();
      key.copyFrom(this.student);
      this.moco = new MoCo(this.student, key, this.queue, config);
    }
    this.params = this.student.namedTensors().filter((t) => t.kind === 'param');
    this.nameOfVariable = new Map(this.params.map((p) => [p.variable.name, p.name]));
    this.optimizer = new TorchSgd(this.params, config);
  }

  /** Steps taken so far. */
  get step(): number {
    return this.steps;
  }

  /**
   * One step on one batch (this replica's shard of it when worldSize > 1); returns every loss
   * term. Throws NonFiniteLossError before updating (on every replica, if any has one).
   */
  trainStep(input: StepInput, probe?: (p: StepProbe) => void): StepResult {
    const { config, collective } = this;
    const n = localBatchSize(config);
    const ddpShuffle = config.shuffleBn === 'ddp' && collective !== undefined;
    checkStepInput(input, { batchSize: n, permutationSize: ddpShuffle ? config.batchSize : n, embedDim: config.embedDim, needsTeacher: usesTeacher(config.mode) });
    const lr = learningRate(config, input.epoch);
    const perm = input.permutation ? Int32Array.from(input.permutation) : stepPermutation(config.seed, this.steps, ddpShuffle ? config.batchSize : n);

    let k: tf.Tensor2D | undefined;
    let terms: Terms = new Map();
    let logits: tf.Tensor2D | undefined;
    let value: tf.Scalar | undefined;
    let byName = new Map<string, tf.Tensor>();
    try {
      this.moco?.momentumUpdateKeyEncoder();
      if (this.moco) k = ddpShuffle ? shuffleBnKeys(collective!, this.moco.encoderK, input.x2, perm) : this.moco.encodeKeys(input.x2, perm); // [n, D]
      const parts = { config, student: this.student };
      const modeLoss = this.modeLoss(k, input);
      const out = tf.variableGrads(() => {
        const loss = lossTerms(parts, input, modeLoss, probe !== undefined);
        terms = new Map([...loss.terms].map(([name, t]) => [name, tf.keep(t)]));
        logits = loss.logits && tf.keep(loss.logits);
        return loss.total;
      }, this.params.map((p) => p.variable));
      value = out.value;
      byName = new Map(Object.entries(out.grads).map(([v, g]) => [this.nameOfVariable.get(v)!, g]));
      const clock = { wait: 0, allreduce: 0, gather: 0 };
      const timed = <T>(what: keyof typeof clock, f: () => T): T => {
        const t0 = performance.now();
        try {
          return f();
        } finally {
          clock[what] += (performance.now() - t0) / 1000;
        }
      };
      if (collective) {
        value.dataSync(); // this replica's step is computed: what follows measures the others and the wire
        timed('wait', () => collective.barrier());
        // Every replica learns every replica's loss first: one non-finite loss stops them all before any update.
        const losses = timed('gather', () => collective.allgather(Float32Array.of(value!.dataSync()[0])));
        const bad = [...losses].map((v, r) => ({ r, v })).filter(({ v }) => !Number.isFinite(v));
        if (bad.length && Number.isFinite(losses[collective.rank])) {
          throw new NonFiniteLossError(this.steps, input.batchId, [{ term: 'total', value: bad[0].v }], `replica ${bad.map((b) => b.r).join(', ')}`);
        }
      }
      const result = this.readTerms(input.batchId, lr, value, terms);
      if (collective) byName = timed('allreduce', () => averageGradients(collective, byName, this.params.map((p) => p.name)));
      probe?.({ logits, grads: byName });
      this.optimizer.step(byName, lr);
      timed('gather', () => this.enqueue(k, input));
      if (collective) timed('gather', () => broadcastBuffers(collective, this.buffers()));
      this.steps += 1;
      return collective ? { ...result, collective: clock } : result;
    } finally {
      tf.dispose([...(value ? [value] : []), ...byName.values(), ...terms.values(), ...(logits ? [logits] : []), ...(k ? [k] : [])]);
    }
  }

  /** What this mode's loss takes this step (checkStepInput has made sure the teacher's embeddings are there when needed). */
  private modeLoss(keys: tf.Tensor2D | undefined, input: StepInput): ModeLoss {
    const { mode } = this.config;
    if (mode === 'seed') {
      if (!this.seedDistiller) throw new Error('seed mode without its distiller');
      return { mode, seed: this.seedDistiller, teacher: teacherPair(input) };
    }
    if (!this.moco || !keys) throw new Error(`${mode} without its key encoder or keys`);
    return mode === 'mocov2' ? { mode, moco: this.moco, keys } : { mode, moco: this.moco, keys, teacher: teacherPair(input) };
  }

  /** MoCo: this step's keys; SEED: the teacher's embeddings of both views — every replica's, in rank order. */
  private enqueue(k: tf.Tensor2D | undefined, input: StepInput): void {
    const gathered = (rows: tf.Tensor2D) => (this.collective ? gatherRows(this.collective, rows) : rows);
    const m = this.modeLoss(k, input);
    if (m.mode !== 'seed') {
      const keys = gathered(m.keys); // [N, D]
      m.moco.dequeueAndEnqueue(keys);
      if (keys !== m.keys) keys.dispose();
      return;
    }
    const [t1, t2] = m.teacher;
    if (!this.collective) {
      m.seed.dequeueAndEnqueue(t1, t2);
      return;
    }
    // View 1 of every replica, then view 2: the rows a single process of the whole batch enqueues.
    tf.tidy(() => m.seed.enqueueRows(tf.concat([gathered(t1), gathered(t2)], 0) as tf.Tensor2D)); // [2N, D]
  }

  /** BatchNorm running statistics of the student and the key encoder. */
  private buffers(): NamedTensor[] {
    return [this.student, ...(this.moco ? [this.moco.encoderK] : [])].flatMap((e) => e.namedTensors().filter((t) => t.kind === 'buffer'));
  }

  /**
   * Rank 0's whole state (weights, buffers, momentum, queue and its pointer, step) on every
   * replica: a resumed group starts from what rank 0 restored. A no-op without a group.
   */
  broadcastFromRank0(): void {
    if (!this.collective) return;
    const entries = this.entries();
    const total = entries.reduce((s, e) => s + e.variable.size, 0);
    const flat = new Float32Array(total + 2);
    let offset = 0;
    for (const e of entries) {
      flat.set(e.variable.dataSync() as Float32Array, offset);
      offset += e.variable.size;
    }
    flat[total] = this.steps;
    flat[total + 1] = this.queue.ptr;
    const root = this.collective.broadcast(flat, 0);
    offset = 0;
    tf.tidy(() => {
      for (const e of entries) {
        e.variable.assign(tf.tensor(root.subarray(offset, offset + e.variable.size), e.variable.shape, e.variable.dtype));
        offset += e.variable.size;
      }
    });
    this.steps = root[total];
    this.queue.setPointer(root[total + 1]);
  }

  /**
   * Whether every replica holds the same state (weights, buffers, momentum, queue): each digests
   * its tensors, the digests are gathered, and a replica that differs is named. Throws
   * StateError on a difference; a no-op without a group.
   */
  checkReplicasAgree(): void {
    if (!this.collective) return;
    const [hash, sum] = stateFingerprint(this.entries().map((e) => e.variable));
    const all = this.collective.allgather(Float32Array.of(hash >>> 16, hash & 0xffff, sum, this.steps, this.queue.ptr)); // [W·5]
    const differing: number[] = [];
    for (let r = 1; r < this.collective.worldSize; r++) {
      if ([0, 1, 2, 3, 4].some((i) => !Object.is(all[5 * r + i], all[i]))) differing.push(r);
    }
    if (differing.length) {
      throw new StateError(`replica(s) ${differing.join(', ')} hold a different state from rank 0 at step ${this.steps}: data-parallel replicas diverged`);
    }
  }

  /**
   * Replaces the queue and its pointer — for exact reproduction of the reference, whose
   * `load_state_dict(strict=False)` of the teacher checkpoint also loads the teacher's MoCo queue
   * and pointer into the student (a quirk; not done by default). keys: [K, D] L2-normalised.
   */
  inheritQueue(keys: tf.Tensor, ptr: number): void {
    this.queue.load(keys, ptr);
  }

  /** Reads every term; throws NonFiniteLossError naming each non-finite one. */
  private readTerms(batchId: string, lr: number, total: tf.Scalar, terms: Terms): StepResult {
    const values: StepResult['terms'] = {};
    const bad: Array<{ term: LossTerm; value: number }> = [];
    for (const [term, t] of terms) {
      const value = t.dataSync()[0];
      if (!Number.isFinite(value)) bad.push({ term, value });
      values[term] = value;
    }
    const loss = total.dataSync()[0];
    if (!Number.isFinite(loss)) bad.push({ term: 'total', value: loss });
    if (bad.length) throw new NonFiniteLossError(this.steps, batchId, bad);
    return { step: this.steps, batchId, lr, loss, terms: values };
  }

  private entries(): state.StateEntry[] {
    const group = (prefix: string, enc: Encoder): state.StateEntry[] =>
      enc.namedTensors().map((t) => ({ name: `${prefix}.${t.name}`, variable: t.variable, layout: t.layout }));
    return [
      ...group('student', this.student),
      ...(this.moco ? group('key', this.moco.encoderK) : []),
      { name: 'queue', variable: this.queue.keys, layout: 'plain' },
      ...this.params.map((p) => ({ name: `sgd.momentum.${p.name}`, variable: this.optimizer.buffers.get(p.name)!, layout: p.layout })),
    ];
  }

  /** Everything needed to continue bit-for-bit: tensors as plain data + JSON metadata. */
  save(): state.DiscoState {
    const entries = this.entries();
    return {
      tensors: state.readEntries(entries),
      metadata: {
        format: state.STATE_FORMAT,
        version: state.STATE_VERSION,
        mode: this.config.mode,
        step: this.steps,
        queuePtr: this.queue.ptr,
        rng: { algorithm: STEP_RNG_ALGORITHM, seed: this.config.seed, step: this.steps },
        config: { ...this.config },
        layouts: Object.fromEntries(entries.map((e) => [e.name, e.layout])),
      },
    };
  }

  /** Restores a `save()`d state. Strict: same config, every tensor present with its shape. */
  restore(saved: state.DiscoState): void {
    const m = saved.metadata;
    const problems: string[] = [];
    if (m.format !== state.STATE_FORMAT || m.version !== state.STATE_VERSION) problems.push(`format ${m.format}/${m.version} is not ${state.STATE_FORMAT}/${state.STATE_VERSION}`);
    if (m.mode !== this.config.mode) problems.push(`mode '${m.mode}' is not '${this.config.mode}'`);
    problems.push(...state.configDifferences(m.config ?? ({} as AlgoConfig), this.config).map((d) => `config ${d}`));
    if (!Number.isInteger(m.step) || m.step < 0) problems.push(`step ${m.step} is not a non-negative integer`);
    if (!Number.isInteger(m.queuePtr) || m.queuePtr < 0 || m.queuePtr >= this.config.K) problems.push(`queuePtr ${m.queuePtr} is not in 0…${this.config.K - 1}`);
    if (m.rng?.algorithm !== STEP_RNG_ALGORITHM || m.rng.step !== m.step) problems.push(`rng ${JSON.stringify(m.rng)} is not ${STEP_RNG_ALGORITHM} at step ${m.step}`);
    const entries = this.entries();
    problems.push(...state.checkRecords(entries, saved.tensors));
    if (problems.length) throw new StateError(`state does not fit this trainer: ${problems.join('; ')}`);
    state.writeEntries(entries, saved.tensors);
    this.queue.setPointer(m.queuePtr);
    this.steps = m.step;
  }

  dispose(): void {
    this.student.dispose();
    this.moco?.encoderK.dispose();
    this.queue.dispose();
    this.optimizer.dispose();
  }
}

/** The teacher's embeddings of both views as [N, D] tensors (the modes that use a teacher; checkStepInput checked them). */
function teacherPair(input: StepInput): TeacherPair {
  const { t1, t2 } = input;
  if (!t1 || !t2 || t1.rank !== 2 || t2.rank !== 2) throw new Error(`batch ${input.batchId}: the teacher's embeddings are missing`);
  return [t1 as tf.Tensor2D, t2 as tf.Tensor2D];
}
