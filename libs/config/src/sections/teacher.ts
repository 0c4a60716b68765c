/** The teacher role: which frozen encoder it serves and how. */
import { z } from 'zod';
import { host, port } from './common.ts';

export const teacherSection = z.strictObject({
  host: host(),
  port: port(50053, 'gRPC port of the Teacher service'),
  metricsPort: port(9103, '/metrics HTTP port'),
  model: z.string().min(1).default('resnet18').describe('model zoo name of the teacher backbone'),
  width: z.number().positive().default(1).describe('width multiplier of the backbone'),
  headHidden: z.number().int().min(1).default(2048).describe('hidden width of the projection head'),
  embedDim: z.number().int().min(1).default(128).describe('embedding size'),
  seed: z.number().int().min(0).default(0).describe('weight seed when no checkpoint is given'),
  checkpoint: z.string().default('').describe('weights to load (safetensors, PyTorch checkpoint or tfjs manifest); empty = seeded random'),
  bnMode: z.enum(['eval', 'batch']).default('eval').describe('BatchNorm: running statistics (eval) or batch statistics (batch)'),
  engine: z
    .enum(['auto', 'tfjs', 'onnx'])
    .default('auto')
    .describe("inference engine: tfjs, onnx (onnxruntime-node, an optional dependency; eval BN only) or auto (onnx when installed and bnMode is eval, else tfjs)"),
  maxImagesPerForward: z.number().int().min(1).default(256).describe('largest forward pass; bigger views are split (eval mode only)'),
});

export type TeacherServiceConfig = z.output<typeof teacherSection>;
