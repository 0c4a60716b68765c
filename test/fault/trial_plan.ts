/**
 * Seeded fault plans: a trial's seed decides which faults strike, which replica, and when (after
 * which trained step, or inside which checkpoint write). Trial i's first fault is kind
 * i mod 10, so 20 trials strike each kind twice; the seed adds up to two more. All faults of a
 * trial aimed at workers hit one worker slot, all aimed at teachers one teacher slot: the other
 * worker and teacher stay healthy, so the run can always go on.
 */
import { seededRandom } from '@disco/eval';

export const FAULT_KINDS = [
  'kill-augment',
  'kill-teacher',
  'pause-augment',
  'pause-teacher',
  'kill-trainer-in-checkpoint',
  'stall-trainer-link',
  'drop-trainer-link',
  'stall-teacher-link',
  'drop-teacher-link',
  'wrong-dim-teacher',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Kinds a seed may add to a trial's first fault (the trainer is killed only as a first fault: a restart costs seconds). */
const EXTRA_KINDS: readonly FaultKind[] = ['kill-augment', 'kill-teacher', 'pause-augment', 'pause-teacher', 'stall-trainer-link', 'drop-trainer-link', 'stall-teacher-link', 'drop-teacher-link'];

export interface Fault {
  kind: FaultKind;
  /** Strikes once the record holds this many trained steps. */
  afterStep: number;
  /** Worker or teacher slot (0 or 1). */
  slot: number;
  /** Pauses and stalls: how long (ms). */
  holdMs?: number;
  /** kill-trainer-in-checkpoint: the n-th checkpoint write (1-based), frozen mid-write or before its rename. */
  checkpoint?: { nth: number; phase: 'write' | 'rename' };
}

export interface TrialPlan {
  index: number;
  seed: number;
  faults: Fault[];
}

export interface PlanShape {
  totalSteps: number;
  /** Checkpoint writes in an undisturbed run. */
  checkpoints: number;
  /** Pauses and stalls outlive a lease by this much at least. */
  leaseMs: number;
}

export function planTrial(index: number, seed: number, shape: PlanShape): TrialPlan {
  const random = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1)); // [lo, hi]
  const workerSlot = int(0, 1);
  const teacherSlot = int(0, 1);
  const slotOf = (kind: FaultKind) => (kind.includes('augment') || kind.includes('trainer-link') ? workerSlot : teacherSlot);
  const make = (kind: FaultKind): Fault => {
    // Late enough to find batches in flight, early enough that the run (and a lease window of batches ahead) is not over.
    const fault: Fault = { kind, afterStep: int(1, kind === 'wrong-dim-teacher' ? shape.totalSteps / 3 : shape.totalSteps - 4), slot: slotOf(kind) };
    if (kind.startsWith('pause') || kind.startsWith('stall')) fault.holdMs = shape.leaseMs + int(500, 1500);
    if (kind === 'kill-trainer-in-checkpoint') {
      fault.afterStep = 0;
      // Torn temporary file in the first round of kinds, complete-but-unrenamed one in the second.
      fault.checkpoint = { nth: int(1, shape.checkpoints), phase: Math.floor(index / FAULT_KINDS.length) % 2 === 0 ? 'write' : 'rename' };
    }
    return fault;
  };
  const faults = [make(FAULT_KINDS[index % FAULT_KINDS.length])];
  const extras = int(0, 2);
  for (let i = 0; i < extras; i++) faults.push(make(EXTRA_KINDS[int(0, EXTRA_KINDS.length - 1)]));
  return { index, seed, faults };
}

export function describeFault(f: Fault): string {
  const where = f.kind === 'kill-trainer-in-checkpoint' ? `checkpoint #${f.checkpoint!.nth} (${f.checkpoint!.phase})` : `after step ${f.afterStep}, slot ${f.slot}`;
  return `${f.kind} ${where}${f.holdMs ? ` for ${f.holdMs} ms` : ''}`;
}
