/**
 * Labelled batches from a random-access dataset such as `@disco/augment`'s readers (IDX,
 * ImageFolder, JSONL manifest). Typed structurally, so eval depends on the shape of a dataset,
 * not on the reader's internals. IDX items carry pixels already; encoded items (JPEG, PNG,
 * SVG) need a `decode` that returns pixels of one common size (e.g. augment's decoder plus a
 * resize to the evaluation size).
 */
import { EvalInputError } from './errors.ts';
import type { LabelledImageBatch } from './image_input.ts';

/** Interleaved HWC pixels of one image. */
export interface PixelData {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly pixels: Uint8Array;
}

/** One dataset item: a name for errors, a label, and (for raw-pixel formats) its pixels. */
export interface DatasetItemLike {
  readonly name: string;
  readonly label?: number;
  readonly kind?: string;
}

export interface RandomAccessDataset<I extends DatasetItemLike = DatasetItemLike> {
  readonly length: number;
  read(index: number): Promise<I>;
}

export interface DatasetBatchOptions<I extends DatasetItemLike> {
  /** Images per batch (default 256). */
  batchSize?: number;
  /** Which items, in this order (default all, in order), e.g. a label-fraction split. */
  indices?: ArrayLike<number>;
  /** Item → pixels; default: the item's own pixels (`kind: 'pixels'`, as IDX items are). */
  decode?: (item: I) => Promise<PixelData> | PixelData;
}

function ownPixels(item: DatasetItemLike): PixelData {
  const p = item as DatasetItemLike & Partial<PixelData>;
  if (item.kind !== 'pixels' || !p.pixels || !p.width || !p.height || (p.channels !== 1 && p.channels !== 3)) {
    throw new EvalInputError(`${item.name}: not a raw-pixel item (kind '${item.kind}'); pass a decode function`);
  }
  return { width: p.width, height: p.height, channels: p.channels, pixels: p.pixels };
}

/** Reads the dataset in batches of equally sized images with their labels. */
export async function* batchesFromDataset<I extends DatasetItemLike>(
  dataset: RandomAccessDataset<I>,
  opts: DatasetBatchOptions<I> = {},
): AsyncGenerator<LabelledImageBatch> {
  const batchSize = opts.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new EvalInputError(`batchSize=${batchSize} must be a positive integer`);
  const order = opts.indices ?? Array.from({ length: dataset.length }, (_, i) => i);
  const decode = opts.decode ?? ownPixels;
  let size: [number, number, number] | undefined;
  for (let s = 0; s < order.length; s += batchSize) {
    const ids = Array.from({ length: Math.min(batchSize, order.length - s) }, (_, j) => order[s + j]);
    const items = await Promise.all(ids.map((i) => dataset.read(i)));
    const pixels = await Promise.all(items.map((item) => decode(item)));
    size ??= [pixels[0].height, pixels[0].width, pixels[0].channels];
    const [h, w, c] = size;
    const per = h * w * c;
    const images = new Uint8Array(ids.length * per);
    const labels: number[] = [];
    items.forEach((item, j) => {
      const p = pixels[j];
      if (p.height !== h || p.width !== w || p.channels !== c || p.pixels.length !== per) {
        throw new EvalInputError(`${item.name}: ${p.width}x${p.height}x${p.channels} differs from the first image's ${w}x${h}x${c}`);
      }
      if (item.label === undefined) throw new EvalInputError(`${item.name}: has no label`);
      images.set(p.pixels, j * per);
      labels.push(item.label);
    });
    yield { images, shape: [ids.length, h, w, c], labels };
  }
}
