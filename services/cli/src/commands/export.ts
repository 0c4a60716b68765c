/**
 * `disco export <checkpoint> --arch <name> --format tfjs|safetensors --out <path>`: writes the
 * student backbone of a checkpoint without its projection head (the deployed model has no extra
 * parameters), for tfjs (`model.json` + `.bin`) or PyTorch (`load_state_dict(strict=True)` on
 * torchvision's model with the classifier removed).
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { initBackend } from '@disco/tensor';
import { MODEL_NAMES, exportBackbone, importCheckpoint, type ExportFormat, type SourceFormat } from '@disco/models';
import { UsageError, type Command } from '../command.ts';

const FORMATS: readonly ExportFormat[] = ['tfjs', 'safetensors'];

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a student backbone (no head) as tfjs or PyTorch-loadable safetensors',
  usage: `disco export <checkpoint> --arch <${MODEL_NAMES.join('|')}> --format <tfjs|safetensors> --out <path> [--width <multiplier>] [--source <name>]`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        arch: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        width: { type: 'string', default: '1' },
        source: { type: 'string' },
      },
    });
    if (positionals.length !== 1) throw new UsageError(`expected one checkpoint path, got ${positionals.length}`);
    if (!values.arch) throw new UsageError('--arch is required');
    if (!values.out) throw new UsageError('--out is required');
    if (!FORMATS.includes(values.format as ExportFormat)) throw new UsageError(`--format '${values.format ?? ''}' is not one of ${FORMATS.join(', ')}`);
    const width = Number(values.width);
    if (!(width > 0)) throw new UsageError(`--width '${values.width}' must be a positive number`);
    await initBackend();
    const checkpoint = resolve(positionals[0]);
    const { module: backbone, report } = importCheckpoint(checkpoint, {
      arch: values.arch,
      width,
      target: 'backbone',
      source: values.source as SourceFormat | undefined,
    });
    try {
      const result = await exportBackbone(backbone, resolve(values.out), values.format as ExportFormat, {
        arch: values.arch,
        width: String(width),
        exportedFrom: checkpoint,
      });
      process.stdout.write(`exported ${values.arch} backbone (${result.tensors} tensors, ${report.dropped.length} checkpoint keys dropped) to ${result.files.join(', ')}\n`);
      return 0;
    } finally {
      backbone.dispose();
    }
  },
};
