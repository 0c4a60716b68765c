/**
 * The shape every dataset reader returns: a length and an async random-access read. Items
 * are ImageSources (bytes or pixels, with a name) plus an optional integer label.
 */
import type { ImageSource } from '../image-source.ts';

export type DatasetItem = ImageSource & {
  /** Class index (ImageFolder: position of the sorted class folder), when known. */
  readonly label?: number;
};

export interface Dataset {
  readonly length: number;
  /** Class names by label, when the dataset has them. */
  readonly classes?: readonly string[];
  /** Where it came from, for logs. */
  readonly description: string;
  /** Item `index` (0 <= index < length); an unreadable file rejects with ImageRejectedError('unreadable'). */
  read(index: number): Promise<DatasetItem>;
}
