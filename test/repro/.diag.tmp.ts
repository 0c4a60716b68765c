import { embeddingSpreads, queueSpread } from './embedding_spread.ts';
const T = '/work/main/services/cli/assets/teacher/fmnist-resnet18c16-mocov2.pth';
for (const r of ['mocov2', 'disco']) console.log(r, 'queue', queueSpread(`runs/repro/small/${r}/checkpoints/step-0000000192.safetensors`).toFixed(4));
const t0 = Date.now();
console.log(await embeddingSpreads([
  { name: 'teacher', checkpoint: T, arch: 'resnet18-cifar', width: 0.25 },
  { name: 'disco/student', headHidden: 512, checkpoint: 'runs/repro/small/disco/checkpoints/step-0000000192.safetensors', prefix: 'student.', arch: 'resnet18-cifar', width: 0.125 },
  { name: 'disco/key', headHidden: 512, checkpoint: 'runs/repro/small/disco/checkpoints/step-0000000192.safetensors', prefix: 'key.', arch: 'resnet18-cifar', width: 0.125 },
  { name: 'mocov2/student', headHidden: 512, checkpoint: 'runs/repro/small/mocov2/checkpoints/step-0000000192.safetensors', prefix: 'student.', arch: 'resnet18-cifar', width: 0.125 },
  { name: 'mocov2/key', headHidden: 512, checkpoint: 'runs/repro/small/mocov2/checkpoints/step-0000000192.safetensors', prefix: 'key.', arch: 'resnet18-cifar', width: 0.125 },
], 'runs/repro/small/data', 500, 24), (Date.now() - t0) / 1000);
