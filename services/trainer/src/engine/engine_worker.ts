/**
 * The trainer's engine thread: owns the tfjs backend, the algorithm (libs/disco's trainer with
 * the student) and the online kNN, and answers EngineRequests one at a time. Keeping tensors
 * off the main thread keeps gRPC (leases, deliveries, keepalive pings, Status) and /metrics
 * answering while a step runs for seconds or minutes.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { DistributedError, ProcessGroup, describeJsKernels, distributedSupport, initBackend, startKernelProfile } from '@disco/tensor';
import { createDiscoTrainer, usesTeacher, type DiscoTrainer } from '@disco/disco';
import { createEncoder } from '@disco/models';
import { OnlineKnn } from '@disco/eval';
import { createRoleLog, type Log } from '@disco/metrics';
import { algoConfig, type TrainerConfig } from '../config.ts';
import { exportStudent } from '../final_export.ts';
import { loadKnnSets } from './knn_sets.ts';
import { disposeStepInput, toStepInput } from './step_tensors.ts';
import { wholeBuffers } from './whole_buffers.ts';
import type { EngineInfo, EngineMessage, EngineReplies, EngineRequest } from './protocol.ts';

let trainer: DiscoTrainer | undefined;
let config: TrainerConfig | undefined;
let knn: OnlineKnn | undefined;
let group: ProcessGroup | undefined;

/**
 * Joins the trainer replicas' c10d group (rank 0 serves the rendezvous store) and refuses a
 * replica whose config differs from rank 0's in anything that decides the weights: each
 * publishes its identity, rank 0 compares them and publishes one verdict every rank reads.
 */
function joinReplicas(c: TrainerConfig, identity: Record<string, unknown>, backend: string): ProcessGroup {
  const t = c.trainer;
  if (t.rank >= t.worldSize) throw new DistributedError(`trainer.rank ${t.rank} is not in 0…${t.worldSize - 1} (trainer.world-size ${t.worldSize})`);
  const support = distributedSupport();
  if (backend !== 'native' || !support.available) {
    throw new DistributedError(`trainer.world-size ${t.worldSize} needs the native backend with c10d (PyTorch's distributed engine); this replica runs on ${backend}${support.available ? '' : `: ${support.reason}`}`);
  }
  const g = ProcessGroup.join({ rank: t.rank, worldSize: t.worldSize, rendezvous: t.rendezvous, timeoutMs: t.collectiveTimeoutMs, prefix: `${t.run}/` });
  g.set(`identity/${t.rank}`, JSON.stringify(identity));
  if (t.rank === 0) {
    const problems: string[] = [];
    for (let r = 1; r < t.worldSize; r++) {
      const theirs = JSON.parse(g.get(`identity/${r}`)) as Record<string, unknown>;
      for (const d of identityDifferences(identity, theirs)) problems.push(`rank ${r}'s ${d.key} is ${d.theirs}, rank 0's ${d.ours}`);
    }
    g.set('verdict', problems.length ? `the trainer replicas' configs differ: ${problems.join('; ')}` : 'ok');
  }
  const verdict = g.get('verdict');
  if (verdict !== 'ok') {
    g.leave();
    throw new DistributedError(verdict);
  }
  return g;
}

/** Leaf-by-leaf differences of two identities: `trainer.batchSize`-style keys. */
function identityDifferences(ours: Record<string, unknown>, theirs: Record<string, unknown>, prefix = ''): { key: string; ours: string; theirs: string }[] {
  const out: { key: string; ours: string; theirs: string }[] = [];
  for (const key of new Set([...Object.keys(ours), ...Object.keys(theirs)])) {
    const [a, b] = [ours[key], theirs[key]];
    const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (isObject(a) && isObject(b)) out.push(...identityDifferences(a as Record<string, unknown>, b as Record<string, unknown>, `${prefix}${key}.`));
    else if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ key: `${prefix}${key}`, ours: JSON.stringify(a), theirs: JSON.stringify(b) });
  }
  return out;
}

function memory() {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
}

function ready(): { trainer: DiscoTrainer; config: TrainerConfig } {
  if (!trainer || !config) throw new Error('engine: not initialised');
  return { trainer, config };
}

async function init(c: TrainerConfig, identity: Record<string, unknown>): Promise<EngineInfo> {
  config = c;
  const backend = await initBackend();
  const t = c.trainer;
  const algo = algoConfig(c);
  group = t.worldSize > 1 ? joinReplicas(c, identity, backend.name) : undefined;
  const build = () => createEncoder(t.model, { width: t.width, headHidden: algo.headHidden, embedDim: algo.embedDim, seed: t.seed });
  trainer = await createDiscoTrainer(algo, { buildEncoder: build, teacherDim: usesTeacher(algo.mode) ? algo.embedDim : undefined, collective: group });
  const info: EngineInfo = { backend: backend.name, threads: backend.threads, step: trainer.step, rank: t.rank, worldSize: t.worldSize };
  if (t.rank > 0) return { ...info, knnDisabled: 'rank 0 evaluates it (every replica holds the same weights)' };
  if (t.knnEvery === 0) return { ...info, knnDisabled: 'trainer.knn-every is 0' };
  let sets;
  try {
    sets = await loadKnnSets({ dataset: c.augment.dataset, bank: t.knnBank, queries: t.knnQueries, size: t.size, seed: t.seed });
  } catch (err) {
    // e.g. a trainer pod without the dataset volume (trainer.dataset-size given): train without the kNN.
    return { ...info, knnDisabled: `cannot read the dataset for it: ${(err as Error).message}` };
  }
  if ('disabled' in sets) return { ...info, knnDisabled: sets.disabled };
  knn = new OnlineKnn(sets.bank, sets.queries, { size: t.size, k: Math.min(20, sets.bank.labels.length), batchSize: Math.min(256, t.batchSize) });
  return { ...info, knnImages: { bank: sets.bank.labels.length, queries: sets.queries.labels.length, source: sets.source } };
}

/**
 * DISCO_PROFILE=1 (native backend): the kernels of step 3 and of every 500th step are timed and
 * those that ran in JavaScript are logged with their share of the step (timing costs ~1 µs a
 * kernel, so only those steps).
 */
const PROFILE = process.env.DISCO_PROFILE === '1';
let profileLog: Log | undefined;

function profiledStep(trainer: DiscoTrainer, input: Parameters<DiscoTrainer['trainStep']>[0]): ReturnType<DiscoTrainer['trainStep']> {
  const step = trainer.step;
  if (!PROFILE || tf.getBackend() !== 'native' || (step !== 2 && step % 500 !== 499)) return trainer.trainStep(input);
  const profiler = startKernelProfile();
  try {
    return trainer.trainStep(input);
  } finally {
    const profile = profiler.stop();
    const lines = describeJsKernels(profile, profile.wallMs);
    profileLog ??= createRoleLog({ role: 'trainer' });
    profileLog(
      `profile of step ${step}: ${profile.wallMs.toFixed(0)} ms, ${profile.jsMs.toFixed(1)} ms in JavaScript kernels` + (lines.length ? `:\n${lines.map((l) => `  ${l}`).join('\n')}` : ''),
      { step, wallMs: profile.wallMs, jsMs: profile.jsMs, jsKernels: lines },
    );
  }
}

async function handle(request: EngineRequest): Promise<EngineReplies[EngineRequest['op']]> {
  switch (request.op) {
    case 'init':
      return init(request.config, request.identity);
    case 'syncReplicas': {
      const { trainer } = ready();
      trainer.broadcastFromRank0();
      return { step: trainer.step };
    }
    case 'checkReplicas':
      ready().trainer.checkReplicasAgree();
      return {};
    case 'restore': {
      const { trainer } = ready();
      trainer.restore(request.state);
      return { step: trainer.step };
    }
    case 'step': {
      const { trainer, config } = ready();
      const returned = wholeBuffers(request.batch.views); // moved here by the main thread: moved back for reuse
      if (config.trainer.dryRun) return { result: { step: trainer.step, batchId: request.batch.key, lr: 0, loss: 0, terms: {} }, memory: memory(), returned };
      const input = toStepInput(request.batch, request.lrEpoch); // copies the views into tensors
      try {
        return { result: profiledStep(trainer, input), memory: memory(), returned };
      } finally {
        disposeStepInput(input);
      }
    }
    case 'save':
      return { state: ready().trainer.save() };
    case 'export': {
      const { trainer, config } = ready();
      return { paths: await exportStudent(request.runDir, trainer, config) };
    }
    case 'knn': {
      const { trainer } = ready();
      const result = knn ? await knn.evaluate(trainer.student) : null;
      return { result, memory: memory() };
    }
    case 'dispose':
      trainer?.dispose();
      trainer = undefined;
      group?.leave();
      group = undefined;
      return {};
  }
}

function transferables(reply: unknown): ArrayBuffer[] {
  const { state, returned } = reply as Partial<EngineReplies['save'] & EngineReplies['step']>;
  if (returned) return returned;
  if (!state) return [];
  return [...state.tensors.values()].map((t) => t.data.buffer as ArrayBuffer); // fresh copies made by save()
}

const port = parentPort;
if (!port) throw new Error('engine_worker.ts runs as a worker thread (see train_engine.ts)');
// One request at a time, in order: a step never overlaps a save or an export.
let queue: Promise<void> = Promise.resolve();
port.on('message', (message: { id: number; request: EngineRequest }) => {
  queue = queue.then(async () => {
    let out: EngineMessage;
    try {
      out = { id: message.id, ok: true, reply: await handle(message.request) };
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      out = { id: message.id, ok: false, fault: { name: e.name, message: e.message, stack: e.stack } };
    }
    port.postMessage(out, out.ok ? transferables(out.reply) : []);
  });
});
