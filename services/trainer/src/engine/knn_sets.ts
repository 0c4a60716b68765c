/**
 * The two small labelled image sets of the online kNN: a bank of
 * `knnBank` training images and `knnQueries` query images, drawn once per run from a seeded
 * permutation. Queries come from the dataset's held-out split when it has one (IDX `t10k`,
 * the bundled sample's test images), else from training images not in the bank. Pixel
 * datasets keep their size (the kNN resizes to `trainer.size`); encoded images are decoded and
 * cover-resized to `trainer.size` by sharp. Unlabelled datasets turn the kNN off, with the reason.
 */
import sharp from 'sharp';
import { decodeImage, detectDataset, hasIdxSplit, openDataset, openSampleDataset, type Dataset, type DatasetItem } from '@disco/augment';
import { seededRandom, type LabelledImageBatch } from '@disco/eval';
import { randomPermutation } from '@disco/models';

export interface KnnSetsOptions {
  /** The training dataset (`augment.dataset`; '' = the bundled sample). */
  dataset: string;
  bank: number;
  queries: number;
  /** Side of the views: encoded images are resized to it. */
  size: number;
  seed: number;
}

export type KnnSets = { bank: LabelledImageBatch; queries: LabelledImageBatch; source: string } | { disabled: string };

interface Sources {
  train: Dataset;
  test?: Dataset;
}

async function openSources(path: string): Promise<Sources> {
  if (path === '') return { train: await openSampleDataset('train'), test: await openSampleDataset('t10k') };
  const train = await openDataset(detectDataset(path, 'train'));
  const test = hasIdxSplit(path, 't10k') ? await openDataset({ kind: 'idx', dir: path, split: 't10k' }) : undefined;
  return { train, test };
}

class UnlabelledError extends Error {}

async function pixelsOf(item: DatasetItem, size: number): Promise<{ w: number; h: number; c: 1 | 3; pixels: Uint8Array }> {
  if (item.kind === 'pixels') return { w: item.width, h: item.height, c: item.channels, pixels: item.pixels };
  const decoded = await decodeImage(item);
  const pixels = await sharp(decoded.pixels, { raw: { width: decoded.width, height: decoded.height, channels: 3 } })
    .resize(size, size, { fit: 'cover' })
    .raw()
    .toBuffer();
  return { w: size, h: size, c: 3, pixels: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length) };
}

/** Reads `indices` of `dataset` into one batch of equal-size images; unreadable items are skipped. */
async function readSet(dataset: Dataset, indices: ArrayLike<number>, want: number, size: number): Promise<LabelledImageBatch> {
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  let shape: [number, number, 1 | 3] | undefined;
  for (let i = 0; i < indices.length && labels.length < want; i++) {
    let item: DatasetItem;
    try {
      item = await dataset.read(indices[i]);
    } catch {
      continue; // unreadable: the kNN uses the next image (the augmenter counts and reports these)
    }
    if (item.label === undefined) throw new UnlabelledError(`${dataset.description} has no labels (${item.name})`);
    let p;
    try {
      p = await pixelsOf(item, size);
    } catch {
      continue; // undecodable
    }
    shape ??= [p.h, p.w, p.c];
    if (p.h !== shape[0] || p.w !== shape[1] || p.c !== shape[2]) {
      const resized = await sharp(p.pixels, { raw: { width: p.w, height: p.h, channels: p.c } }).resize(shape[1], shape[0], { fit: 'cover' }).toColourspace(shape[2] === 1 ? 'b-w' : 'srgb').raw().toBuffer();
      p = { ...p, pixels: new Uint8Array(resized.buffer, resized.byteOffset, resized.length) };
    }
    images.push(p.pixels);
    labels.push(item.label);
  }
  if (!shape || labels.length === 0) throw new UnlabelledError(`${dataset.description}: no readable image among ${indices.length}`);
  const per = shape[0] * shape[1] * shape[2];
  const all = new Uint8Array(labels.length * per);
  images.forEach((img, j) => all.set(img.subarray(0, per), j * per));
  return { images: all, shape: [labels.length, shape[0], shape[1], shape[2]], labels };
}

export async function loadKnnSets(options: KnnSetsOptions): Promise<KnnSets> {
  const { bank, queries, size, seed } = options;
  const sources = await openSources(options.dataset);
  const trainOrder = randomPermutation(sources.train.length, seededRandom(seed, 0x6b6e6e)); // 'knn'
  // Twice the wanted count is read at most (unreadable images are skipped). Without a held-out
  // split, the bank and the queries share the training images in proportion, disjointly.
  const n = trainOrder.length;
  const cut = sources.test || n >= 2 * (bank + queries) ? Math.min(n, 2 * bank) : Math.floor((n * bank) / (bank + queries));
  try {
    const bankSet = await readSet(sources.train, trainOrder.subarray(0, cut), bank, size);
    let querySet: LabelledImageBatch;
    let source: string;
    if (sources.test) {
      const testOrder = randomPermutation(sources.test.length, seededRandom(seed, 0x6b6e6e, 1));
      querySet = await readSet(sources.test, testOrder.subarray(0, Math.min(testOrder.length, queries * 2)), queries, size);
      source = `bank from ${sources.train.description}, queries from ${sources.test.description}`;
    } else {
      const rest = trainOrder.subarray(cut, Math.min(n, cut + 2 * queries));
      if (rest.length === 0) return { disabled: `${sources.train.description} has too few images for a kNN bank and held-out queries` };
      querySet = await readSet(sources.train, rest, queries, size);
      source = `bank and held-out queries from ${sources.train.description}`;
    }
    return { bank: bankSet, queries: querySet, source };
  } catch (err) {
    if (err instanceof UnlabelledError) return { disabled: err.message };
    throw err;
  }
}
