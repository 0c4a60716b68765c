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

/** At most this many keys of each kind in a message (the full lists stay on the error). */
export const KEYS_SHOWN = 10;

function someKeys(keys: readonly string[]): string {
  return keys.length <= KEYS_SHOWN ? keys.join(', ') : `${keys.slice(0, KEYS_SHOWN).join(', ')}, … and ${keys.length - KEYS_SHOWN} more`;
}

/**
 * A checkpoint whose names or shapes do not fit the model. Names every kind of problem at once
 * — checkpoint keys no rule accounts for, model tensors the checkpoint does not provide, shape
 * mismatches — with at most KEYS_SHOWN keys of each and their count (a ResNet-50 has hundreds:
 * the complete lists are the error's fields), and the likely cause when every shape is off
 * (another width). Extends `StateDictError` so callers can catch both the same way.
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
    if (unknown.length) parts.push(`unknown keys (${unknown.length}): ${someKeys(unknown)}`);
    if (missing.length) parts.push(`missing keys (${missing.length}): ${someKeys(missing)}`);
    if (shapeMismatches.length) {
      const shown = shapeMismatches.slice(0, KEYS_SHOWN).map((m) => `${m.key} (→ ${m.target}): shape [${m.found}] in the file, the model needs [${m.expected}]`);
      const more = shapeMismatches.length > KEYS_SHOWN ? `, … and ${shapeMismatches.length - KEYS_SHOWN} more` : '';
      parts.push(`shapes that differ (${shapeMismatches.length}): ${shown.join(', ')}${more}`);
    }
    const widthHint = shapeMismatches.length > 0 && unknown.length === 0 && missing.length === 0 ? ' — every name fits but shapes differ: is the width right (--width / --teacher.width)?' : '';
    super(`${file}: checkpoint does not fit the model: ${parts.join('; ')}${widthHint}`);
  }
}
