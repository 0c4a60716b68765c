// Entry of the trainer's engine thread. Node 20 does not apply `--import tsx` to worker
// threads, so the TypeScript loader is registered here before the engine module is imported.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
