/**
 * The shape every dataset reader returns: a length and an async random-access read. Items
 * are ImageSources (bytes or pixels, with a name) plus an optional integer label.
 */
import type { ImageSource } from '../image-source.ts';

export type DatasetItem = ImageSource & {
  /** Class index (ImageFolder: position of the sorted class folder), when known. */
  readonly label?: number;
};

/** Why a directory walk left an entry out. */
export const SKIPPED_ENTRIES = ['symlink-loop', 'unreadable-folder', 'broken-link', 'not-an-image'] as const;
export type SkippedEntry = (typeof SKIPPED_ENTRIES)[number];

export interface Dataset {
  readonly length: number;
  /** Entries the reader left out while listing, by reason (an ImageFolder's walk); absent = none. */
  readonly skipped?: Readonly<Partial<Record<SkippedEntry, number>>>;
  /** Class names by label, when the dataset has them. */
  readonly classes?: readonly string[];
  /** Where it came from, for logs. */
  readonly description: string;
  /** Item `index` (0 <= index < length); an unreadable file rejects with ImageRejectedError('unreadable'). */
  read(index: number): Promise<DatasetItem>;
}
