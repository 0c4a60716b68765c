/**
 * disco's configuration: one object of sections. Roles read their own section plus the shared
 * ones; the trainer and the algorithm add theirs with `discoConfigSchema.extend({...})`.
 */
import { z } from 'zod';
import { dataplaneSection } from './sections/dataplane.ts';
import { drainSection } from './sections/drain.ts';
import { augmentSection } from './sections/augment.ts';
import { teacherSection } from './sections/teacher.ts';
import { tlsSection } from './sections/tls.ts';
import { deepFreeze } from './load.ts';

export const discoConfigSchema = z.strictObject({
  dataplane: dataplaneSection.prefault({}),
  drain: drainSection.prefault({}),
  augment: augmentSection.prefault({}),
  teacher: teacherSection.prefault({}),
  tls: tlsSection.prefault({}),
});

export type DiscoConfig = z.output<typeof discoConfigSchema>;

/** Every default, frozen. */
export const DEFAULT_CONFIG: Readonly<DiscoConfig> = deepFreeze(discoConfigSchema.parse({}));
