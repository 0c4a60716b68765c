/** Graceful stop on SIGTERM: health NOT_SERVING, wait `delayMs`, then up to `graceMs` for calls. */
import { z } from 'zod';
import { ms } from './common.ts';

export const drainSection = z.strictObject({
  delayMs: ms(0, 'after NOT_SERVING, before refusing new calls (give load balancers time; ~5000 on Kubernetes)'),
  graceMs: ms(20_000, 'most time running calls get to finish before they are cancelled'),
});

export type DrainConfig = z.output<typeof drainSection>;
