/**
 * A stand-in augment worker for the trainer's tests: a real gRPC client of `Coordinator` that
 * leases batch specs and delivers views and embeddings made up deterministically from (epoch,
 * image index, view), so the trainer service can be tested without augment or teacher processes.
 */
import * as grpc from '@grpc/grpc-js';
import {
  channelOptions,
  chunkEmbeddings,
  chunkViews,
  loadProtos,
  type BatchSpec__Output,
  type CoordinatorClient,
  type DeliverReply__Output,
  type Delivery,
  type LeaseRequest,
} from '@disco/dataplane';

export interface SyntheticWorkerOptions {
  port: number;
  workerId: string;
  datasetSize: number;
  credits: number;
  /** Embedding size sent (0 = views only). */
  dim: number;
  /** Deliver this spec? (default: every one). */
  deliver?: (spec: BatchSpec__Output) => boolean;
}

function pixel(epoch: number, index: number, view: number, i: number): number {
  return (Math.imul(epoch + 1, 73856093) ^ Math.imul(index + 1, 19349663) ^ Math.imul(view, 83492791) ^ Math.imul(i + 1, 2654435761)) >>> 24;
}

export function deliveriesFor(spec: BatchSpec__Output, dim: number): Delivery[] {
  const n = spec.indices.length;
  const s = spec.size;
  const common = { batch: { run: spec.id!.run, epoch: spec.id!.epoch, step: spec.id!.step }, leaseId: spec.leaseId, batchSize: n, offset: 0, count: n };
  const out: Delivery[] = [];
  for (const view of [1, 2] as const) {
    const data = new Uint8Array(n * s * s * 3);
    spec.indices.forEach((index, b) => {
      for (let i = 0; i < s * s * 3; i++) data[b * s * s * 3 + i] = pixel(spec.id!.epoch, index, view, i);
    });
    for (const c of chunkViews({ ...common, view, height: s, width: s, data }, 1 << 20)) out.push({ views: c });
    if (dim === 0) continue;
    const e = new Float32Array(n * dim);
    spec.indices.forEach((index, b) => {
      for (let d = 0; d < dim; d++) e[b * dim + d] = Math.sin(index * 7 + d * 3 + view);
      const norm = Math.sqrt(e.subarray(b * dim, (b + 1) * dim).reduce((a, v) => a + v * v, 0));
      for (let d = 0; d < dim; d++) e[b * dim + d] /= norm;
    });
    for (const c of chunkEmbeddings({ ...common, view, dim, data: e }, 1 << 20)) out.push({ embeddings: c });
  }
  return out;
}

export function coordinatorClient(port: number): CoordinatorClient {
  return new (loadProtos().disco.v1.Coordinator)(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), channelOptions()) as CoordinatorClient;
}

export function deliver(client: CoordinatorClient, messages: Delivery[]): Promise<DeliverReply__Output> {
  return new Promise((resolve, reject) => {
    const call = client.Deliver({ deadline: Date.now() + 20_000 }, (err, reply) => (err ? reject(err) : resolve(reply!)));
    for (const m of messages) call.write(m);
    call.end();
  });
}

export class SyntheticWorker {
  readonly client: CoordinatorClient;
  readonly specs: BatchSpec__Output[] = [];
  readonly replies: DeliverReply__Output[] = [];
  private readonly call: grpc.ClientDuplexStream<LeaseRequest, BatchSpec__Output>;

  constructor(options: SyntheticWorkerOptions) {
    this.client = coordinatorClient(options.port);
    this.call = this.client.Lease();
    this.call.on('error', () => undefined);
    this.call.on('data', (spec: BatchSpec__Output) => {
      this.specs.push(spec);
      if (options.deliver && !options.deliver(spec)) return;
      deliver(this.client, deliveriesFor(spec, options.dim)).then(
        (reply) => {
          this.replies.push(reply);
          if (!this.call.writableEnded) this.call.write({ credits: 1 });
        },
        () => undefined,
      );
    });
    this.call.write({ hello: { workerId: options.workerId, datasetSize: options.datasetSize } });
    this.call.write({ credits: options.credits });
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}
