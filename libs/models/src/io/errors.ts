/** Typed errors of weight import/export. Every message names the file and what is wrong. */
import { StateDictError } from '../nn/module.ts';

/** A weight file that cannot be read: unknown format, corrupt or truncated bytes, bad header. */
export class WeightFileError extends Error {
  override name = 'WeightFileError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** One tensor whose shape does not fit the model. */
export interface ShapeMismatch {
  /** The name in the checkpoint. */
  key: string;
  /** Our module's name for it. */
  target: string;
  /** Shape found in the file (in the file's layout). */
  found: number[];
  /** Shape the model needs (in the file's layout). */
  expected: number[];
}

/**
 * A checkpoint whose names or shapes do not fit the model. Lists every problem at once:
 * checkpoint keys no rule accounts for, model tensors the checkpoint does not provide, and
 * shape mismatches. Extends `StateDictError` so callers can catch both the same way.
 */
export class CheckpointKeyError extends StateDictError {
  override name = 'CheckpointKeyError';
  constructor(
    readonly file: string,
    readonly unknown: string[],
    readonly missing: string[],
    readonly shapeMismatches: ShapeMismatch[],
  ) {
    const parts: string[] = [];
    if (unknown.length) parts.push(`unknown keys (${unknown.length}): ${unknown.join(', ')}`);
    if (missing.length) parts.push(`missing keys (${missing.length}): ${missing.join(', ')}`);
    for (const m of shapeMismatches) {
      parts.push(`${m.key} (→ ${m.target}): shape [${m.found}] in the file, the model needs [${m.expected}]`);
    }
    super(`${file}: checkpoint does not fit the model: ${parts.join('; ')}`);
  }
}
