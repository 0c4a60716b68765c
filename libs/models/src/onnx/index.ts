export * from './errors.ts';
export * from './export.ts';
export * from './runtime.ts';
export { decodeModel } from './proto.ts';
