/** What the plan carries per batch; lease fields (id, lease id, deadline) are filled in at hand-out. */
import type { BatchSpec } from '../proto/types.ts';

export type PlanSpec = Omit<BatchSpec, 'id' | 'leaseId' | 'leaseDeadlineUnixMs'>;
