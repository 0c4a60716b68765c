/**
 * A delivery's outcome on both sides of `Deliver`: the trainer's lease window decides it
 * (lowercase, `CompleteOutcome`), the wire carries `DeliverReply.Outcome`, the worker reads it
 * back. One mapping, so the two ends cannot drift apart.
 */
import type { CompleteOutcome } from '../lease/lease_window.ts';

export type WireDeliverOutcome = 'ACCEPTED' | 'DUPLICATE' | 'STALE';

const TO_WIRE: Readonly<Record<CompleteOutcome, WireDeliverOutcome>> = { accepted: 'ACCEPTED', duplicate: 'DUPLICATE', stale: 'STALE' };

export function toWireOutcome(outcome: CompleteOutcome): WireDeliverOutcome {
  return TO_WIRE[outcome];
}

/** The worker's reading of the trainer's answer; anything it does not know counts as stale (the batch is not counted delivered). */
export function fromWireOutcome(outcome: string | number | undefined): CompleteOutcome {
  return outcome === 'ACCEPTED' ? 'accepted' : outcome === 'DUPLICATE' ? 'duplicate' : 'stale';
}
