/**
 * Raw gRPC clients the lifecycle tests use from outside the processes under test: the standard
 * health check, and calls that start work and never finish it (an Embed call that sends one view
 * and never half-closes; a Deliver call that sends one view chunk of a leased batch and stops),
 * so that a draining server has something it cannot finish within its grace period.
 */
import * as grpc from '@grpc/grpc-js';
import {
  channelOptions,
  chunkViews,
  loadProtos,
  type BatchSpec__Output,
  type CoordinatorClient,
  type HealthClient,
  type TeacherClient,
} from '@disco/dataplane';
import { sleep } from './roles.ts';

/** The whole server's health: SERVING, NOT_SERVING, or UNREACHABLE (down, or refusing calls). */
export function health(port: number): Promise<string> {
  const client = new (loadProtos().grpc.health.v1.Health)(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as HealthClient;
  return new Promise<string>((resolve) => {
    client.Check({ service: '' }, { deadline: Date.now() + 2000 }, (err, reply) => resolve(err ? 'UNREACHABLE' : String(reply!.status)));
  }).finally(() => client.close());
}

/** Polls health until it reads `want` (true) or `until` resolves first (false). */
export async function healthBecomes(port: number, want: string, until: Promise<unknown>): Promise<boolean> {
  let over = false;
  void until.then(() => (over = true));
  while (!over) {
    if ((await health(port)) === want) return true;
    await sleep(20);
  }
  return false;
}

/** One pending call and a promise of how it ended. */
export interface HangingCall {
  ended: Promise<grpc.StatusObject>;
  cancel(): void;
}

function settle(call: NodeJS.EventEmitter): Promise<grpc.StatusObject> {
  return new Promise((resolve) => {
    call.on('status', resolve);
    call.on('error', () => undefined);
  });
}

/** An Embed call that sends view 1 of an 8-image batch and then nothing: the teacher cannot finish it. */
export function hangingEmbed(port: number): HangingCall & { client: TeacherClient } {
  const client = new (loadProtos().disco.v1.Teacher)(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), channelOptions()) as TeacherClient;
  const call = client.Embed({ deadline: Date.now() + 120_000 });
  const ended = settle(call);
  call.on('data', () => undefined);
  const n = 8;
  for (const chunk of chunkViews({ batch: { run: 'hang', epoch: 0, step: 0 }, leaseId: '', view: 1, batchSize: n, offset: 0, count: n, height: 16, width: 16, data: new Uint8Array(n * 16 * 16 * 3) }, 1 << 20)) {
    call.write(chunk);
  }
  return { client, ended, cancel: () => call.cancel() };
}

/**
 * A fake worker: takes one lease from the trainer, then opens a Deliver call for it, sends one
 * view chunk of the batch and stops there. The trainer cannot finish that call.
 */
export async function hangingDelivery(port: number, datasetSize: number): Promise<HangingCall & { spec: BatchSpec__Output; close(): void }> {
  const client = new (loadProtos().disco.v1.Coordinator)(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), channelOptions()) as CoordinatorClient;
  const lease = client.Lease();
  lease.on('error', () => undefined);
  const spec = await new Promise<BatchSpec__Output>((resolve, reject) => {
    lease.once('data', resolve);
    lease.once('error', reject);
    lease.write({ hello: { workerId: 'lifecycle-test', datasetSize } });
    lease.write({ credits: 1 });
  });
  const deliver = client.Deliver({ deadline: Date.now() + 120_000 }, () => undefined);
  const ended = settle(deliver);
  const n = spec.indices.length;
  const [first] = chunkViews({ batch: spec.id!, leaseId: spec.leaseId, view: 1, batchSize: n, offset: 0, count: n, height: spec.size, width: spec.size, data: new Uint8Array(n * spec.size * spec.size * 3) }, 1 << 20);
  deliver.write({ views: first });
  return {
    spec,
    ended,
    cancel: () => deliver.cancel(),
    close: () => {
      lease.cancel();
      client.close();
    },
  };
}
