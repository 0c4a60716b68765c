/**
 * `disco eval <checkpoint> --arch <name> --train <dataset> --test <dataset>`: kNN and linear
 * probe on frozen backbone features (the paper's metric), optionally on a label fraction.
 * `--random-init <seed>` evaluates an untrained backbone instead (the floor to beat).
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { initBackend } from '@disco/tensor';
import { MODEL_NAMES, createBackbone, importCheckpoint, type Backbone } from '@disco/models';
import { detectDataset, openDataset, type Dataset } from '@disco/augment';
import { batchesFromDataset, evaluateFeatures, extractFeatures, type EvalResult } from '@disco/eval';
import { UsageError, type Command } from '../command.ts';

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

export const evalCommand: Command = {
  name: 'eval',
  summary: 'kNN and linear-probe accuracy of a backbone on frozen features',
  usage:
    `disco eval (<checkpoint> | --random-init <seed>) --arch <${MODEL_NAMES.join('|')}> --train <dataset> --test <dataset> ` +
    '[--width <multiplier>] [--size <px>] [--knn-k 200] [--no-knn] [--linear-epochs 100] [--no-linear] [--label-fraction 1] [--json]',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        arch: { type: 'string' },
        width: { type: 'string', default: '1' },
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
    if (positionals.length !== (randomInit === undefined ? 1 : 0)) {
      throw new UsageError('give either one checkpoint path or --random-init <seed>');
    }
    if (!values.arch) throw new UsageError('--arch is required');
    if (!values.train || !values.test) throw new UsageError('--train and --test datasets are required');
    const width = positiveNumber('width', values.width)!;
    const size = positiveNumber('size', values.size, true);
    const k = positiveNumber('knn-k', values['knn-k'], true);
    const epochs = positiveNumber('linear-epochs', values['linear-epochs'], true);
    const fraction = positiveNumber('label-fraction', values['label-fraction']);
    if (fraction !== undefined && fraction > 1) throw new UsageError(`--label-fraction '${fraction}' must be at most 1`);

    await initBackend();
    let backbone: Backbone;
    if (randomInit !== undefined) {
      const seed = Number(randomInit);
      if (!Number.isInteger(seed)) throw new UsageError(`--random-init '${randomInit}' must be an integer seed`);
      backbone = createBackbone(values.arch, { width, seed });
    } else {
      backbone = importCheckpoint(resolve(positionals[0]), { arch: values.arch, width, target: 'backbone' }).module;
    }
    try {
      const [train, test] = await Promise.all([open(values.train, 'train'), open(values.test, 't10k')]);
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
      if (values.json) process.stdout.write(JSON.stringify({ arch: values.arch, width, weights: randomInit ?? positionals[0], ...result }, null, 2) + '\n');
      else {
        process.stdout.write(
          [
            `${values.arch} (width ${width}) on ${result.n_train} train / ${result.n_test} test images, ${result.feature_dim}-d features`,
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
