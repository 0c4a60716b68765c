/** Field builders shared by the sections, so every port or address reads the same. */
import { z } from 'zod';

export const port = (def: number, what: string) =>
  z.number().int().min(0).max(65535).default(def).describe(`${what} (0 = any free port)`);

export const host = () => z.string().min(1).default('0.0.0.0').describe('interface to listen on');

export const addresses = (what: string) =>
  z.array(z.string().min(1)).default([]).describe(`${what}: host:port or dns:///name:port, comma-separated`);

export const ms = (def: number, what: string) => z.number().int().min(0).default(def).describe(`${what} (ms)`);
