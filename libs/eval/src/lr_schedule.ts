/** Learning-rate schedules of the linear probe, as a function of the global step. */
import type { ProbeSchedule } from './config.ts';

/**
 * `cosine`: lr · ½(1 + cos(π · step / totalSteps)), per step (reaches 0 after the last step);
 * `step`: lr, then ×0.1 from 60 % and again from 80 % of the epochs (MoCo lincls' 60/80 of 100).
 */
export function learningRateAt(schedule: ProbeSchedule, lr: number, step: number, stepsPerEpoch: number, epochs: number): number {
  const total = stepsPerEpoch * epochs;
  if (schedule === 'cosine') return lr * 0.5 * (1 + Math.cos((Math.PI * step) / total));
  const epoch = Math.floor(step / stepsPerEpoch);
  let factor = 1;
  if (epoch >= Math.round(0.6 * epochs)) factor *= 0.1;
  if (epoch >= Math.round(0.8 * epochs)) factor *= 0.1;
  return lr * factor;
}
