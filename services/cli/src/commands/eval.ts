/**
 * `disco eval --model <path> --train <dataset> --test <dataset>`: kNN and linear probe on frozen
 * backbone features (the paper's metric), optionally on a label fraction. The path may be a
 * trainer checkpoint, a run directory, a final export or an imported/PyTorch teacher (see
 * eval/model_source.ts); the architecture comes from the weights when they state it.
 * `--random-init <seed> --arch <name>` evaluates an untrained backbone instead (the floor to beat).
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { initBackend } from '@disco/tensor';
import { MODEL_NAMES, createBackbone, CheckpointKeyError, UnknownModelError, WeightFileError, type Backbone } from '@disco/models';
import { DatasetError, detectDataset, openDataset, type Dataset } from '@disco/augment';
import { batchesFromDataset, evaluateFeatures, extractFeatures, type EvalResult } from '@disco/eval';
import { CheckpointError, RunDirError } from '@disco/trainer-service';
import { UsageError, type Command } from '../command.ts';
import { loadModel, ModelPathError, type ArchFlags, type ModelSource } from '../eval/model_source.ts';

/** Bad inputs: reported as one message naming the path, exit 1. */
const INPUT_ERRORS = [ModelPathError, CheckpointError, RunDirError, WeightFileError, CheckpointKeyError, UnknownModelError, DatasetError];

function positiveNumber(flag: string, value: string | undefined, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0) || (integer && !Number.isInteger(n))) throw new UsageError(`--${flag} '${value}' must be a positive ${integer ? 'integer' : 'number'}`);
  return n;
}

/** A dataset folder with IDX files uses split `train` for --train and `t10k` for --test. */
async function open(path: string, split: string): Promise<Dataset> {
  return openDataset(detectDataset(resolve(path), split));
}

type EvalSource = ModelSource | { kind: 'random-init'; seed: number; arch: string; width: number; description: string };

async function backboneFor(model: string | undefined, randomInit: string | undefined, flags: ArchFlags): Promise<{ backbone: Backbone; source: EvalSource }> {
  if (model !== undefined) return loadModel(resolve(model), flags);
  const seed = Number(randomInit);
  if (!Number.isInteger(seed)) throw new UsageError(`--random-init '${randomInit}' must be an integer seed`);
  const [arch, width] = [flags.arch!, flags.width ?? 1];
  return { backbone: createBackbone(arch, { width, seed }), source: { kind: 'random-init', seed, arch, width, description: `random initialisation, seed ${seed}` } };
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'kNN and linear-probe accuracy of a backbone on frozen features',
  usage:
    `disco eval (--model <checkpoint|run dir|weights> | <same, as the one argument> | --random-init <seed> --arch <name>) --train <dataset> --test <dataset> ` +
    `[--arch <${MODEL_NAMES.join('|')}>] [--width <multiplier>] [--size <px>] [--knn-k 200] [--no-knn] [--linear-epochs 100] [--no-linear] [--label-fraction 1] [--json]\n` +
    '  --arch/--width: only for weights that do not state their architecture (a PyTorch checkpoint); a value contradicting the weights is an error',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        arch: { type: 'string' },
        width: { type: 'string' },
        train: { type: 'string' },
        test: { type: 'string' },
        size: { type: 'string' },
        'random-init': { type: 'string' },
        'knn-k': { type: 'string' },
        'no-knn': { type: 'boolean', default: false },
        'linear-epochs': { type: 'string' },
        'no-linear': { type: 'boolean', default: false },
        'label-fraction': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const randomInit = values['random-init'];
    if (values.model !== undefined && positionals.length) throw new UsageError(`give the model once: --model ${values.model} or '${positionals[0]}', not both`);
    const model = values.model ?? positionals[0];
    if (positionals.length > 1 || (model === undefined) === (randomInit === undefined)) {
      throw new UsageError('give either --model <path> (a checkpoint, run directory or weight file) or --random-init <seed>');
    }
    if (randomInit !== undefined && !values.arch) throw new UsageError('--random-init needs --arch');
    if (!values.train || !values.test) throw new UsageError('--train and --test datasets are required');
    const width = positiveNumber('width', values.width);
    const size = positiveNumber('size', values.size, true);
    const k = positiveNumber('knn-k', values['knn-k'], true);
    const epochs = positiveNumber('linear-epochs', values['linear-epochs'], true);
    const fraction = positiveNumber('label-fraction', values['label-fraction']);
    if (fraction !== undefined && fraction > 1) throw new UsageError(`--label-fraction '${fraction}' must be at most 1`);

    let loaded: { backbone: Backbone; source: EvalSource; train: Dataset; test: Dataset };
    try {
      const [train, test] = await Promise.all([open(values.train, 'train'), open(values.test, 't10k')]);
      await initBackend();
      loaded = { ...(await backboneFor(model, randomInit, { arch: values.arch, width })), train, test };
    } catch (err) {
      if (!INPUT_ERRORS.some((E) => err instanceof E)) throw err;
      process.stderr.write(`disco eval: ${(err as Error).message}\n`);
      return 1;
    }
    const { backbone, source, train, test } = loaded;
    const { arch } = source;
    try {
      const log = (msg: string) => values.json || process.stderr.write(msg);
      const features = async (ds: Dataset, what: string) => {
        const set = await extractFeatures({ features: (x, opts) => backbone.forward(x, opts) }, batchesFromDataset(ds), {
          size,
          onProgress: (done) => log(`\r${what}: ${done}/${ds.length} images`),
        });
        log('\n');
        return set;
      };
      const trainFeatures = await features(train, 'train features');
      const testFeatures = await features(test, 'test features');
      const result: EvalResult = await evaluateFeatures(trainFeatures, testFeatures, {
        knn: values['no-knn'] ? false : { ...(k ? { k } : {}) },
        linear: values['no-linear'] ? false : { ...(epochs ? { epochs } : {}) },
        labelFraction: fraction,
      });
      const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
      if (values.json) process.stdout.write(JSON.stringify({ arch, width: source.width, weights: model ?? `random-init:${randomInit}`, source, ...result }, null, 2) + '\n');
      else {
        process.stdout.write(
          [
            `model: ${source.description}`,
            `${arch} (width ${source.width}${'architectureFrom' in source ? `; ${source.architectureFrom}` : ''}) on ${result.n_train} train / ${result.n_test} test images, ${result.feature_dim}-d features`,
            result.knn ? `kNN (k=${result.knn.k}, T=${result.knn.T}): top-1 ${pct(result.knn.top1)}, top-5 ${pct(result.knn.top5)}` : 'kNN: skipped',
            result.linear ? `linear probe: top-1 ${pct(result.linear.top1)}, top-5 ${pct(result.linear.top5)}` : 'linear probe: skipped',
          ].join('\n') + '\n',
        );
      }
      return 0;
    } finally {
      backbone.dispose();
    }
  },
};
