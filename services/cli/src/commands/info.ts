/** `disco info [--json]`: the tfjs backend in use (and why), versions, threads, models. */
import { parseArgs } from 'node:util';
import { initBackend, nativeAdvice } from '@disco/tensor';
import { listModels } from '@disco/models';
import type { Command } from '../command.ts';

export const infoCommand: Command = {
  name: 'info',
  summary: 'show the compute backend, versions and the model zoo',
  usage: 'disco info [--json]',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } }, strict: true });
    const backend = await initBackend();
    const advice = nativeAdvice(backend);
    const info = { node: process.version, backend, ...(advice ? { advice } : {}), models: listModels() };
    if (values.json) {
      process.stdout.write(JSON.stringify(info, null, 2) + '\n');
      return 0;
    }
    const lines = [
      `disco on Node ${info.node}, tfjs ${backend.tfjsVersion}`,
      `backend: ${backend.name} (tfjs '${backend.tfjsName}', threads ${backend.threads}${backend.simd ? ', SIMD' : ''})${backend.forcedBy ? ` forced by ${backend.forcedBy}` : ''}`,
      ...backend.attempts.filter((a) => !a.ok).map((a) => `  not ${a.name}: ${a.reason}`),
      ...(advice ? [advice] : []),
      'models:',
      ...info.models.map((m) => `  ${m.name.padEnd(20)} ${String(m.featureDim).padStart(5)}-d features  ${m.parameters.toLocaleString('en-US').padStart(12)} parameters`),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
