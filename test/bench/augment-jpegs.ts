/**
 * The benchmark's JPEGs: `count` synthetic photos of 500x375 (ImageNet's most common size),
 * JPEG quality 90, about 75 KB each: fractal value noise per channel (natural images' 1/f-like
 * spectrum), 5-14 textured shapes with hard edges, film grain. Seeded: the same files every
 * time, made once and cached under the OS temp folder.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { CounterRng } from '@disco/augment';

export const JPEG_WIDTH = 500;
export const JPEG_HEIGHT = 375;
const VERSION = 1;

/** Fractal value noise in [0, 1]: octaves of smoothly interpolated random grids. */
function fractalNoise(w: number, h: number, rng: CounterRng, octaves: number): Float32Array {
  const out = new Float32Array(w * h);
  let amp = 1;
  let total = 0;
  for (let o = 0; o < octaves; o++) {
    const cell = Math.max(2, Math.round(160 / 2 ** o));
    const gw = Math.ceil(w / cell) + 2;
    const grid = Float32Array.from({ length: gw * (Math.ceil(h / cell) + 2) }, () => rng.next());
    for (let y = 0; y < h; y++) {
      const fy = y / cell;
      const y0 = Math.floor(fy);
      const ty = fy - y0;
      const sy = ty * ty * (3 - 2 * ty);
      for (let x = 0; x < w; x++) {
        const fx = x / cell;
        const x0 = Math.floor(fx);
        const tx = fx - x0;
        const sx = tx * tx * (3 - 2 * tx);
        const g = y0 * gw + x0;
        const top = grid[g] * (1 - sx) + grid[g + 1] * sx;
        const bottom = grid[g + gw] * (1 - sx) + grid[g + gw + 1] * sx;
        out[y * w + x] += amp * (top * (1 - sy) + bottom * sy);
      }
    }
    total += amp;
    amp *= 0.78;
  }
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}

function photo(seed: number): Uint8Array {
  const w = JPEG_WIDTH;
  const h = JPEG_HEIGHT;
  const rng = new CounterRng(seed, 0, 0, 0);
  const px = new Uint8Array(w * h * 3);
  const base = [0, 1, 2].map(() => 40 + rng.next() * 170);
  const noise = [0, 1, 2].map(() => fractalNoise(w, h, rng, 8));
  for (let i = 0; i < w * h; i++) {
    for (let c = 0; c < 3; c++) px[i * 3 + c] = Math.max(0, Math.min(255, base[c] + (noise[c][i] - 0.5) * 300 + (rng.next() - 0.5) * 40));
  }
  const shapes = 5 + rng.below(10);
  for (let s = 0; s < shapes; s++) {
    const [cx, cy, rx, ry] = [rng.next() * w, rng.next() * h, 20 + rng.next() * 120, 20 + rng.next() * 120];
    const colour = [rng.next() * 255, rng.next() * 255, rng.next() * 255];
    const ellipse = rng.chance(0.5);
    const texture = fractalNoise(w, h, rng, 8);
    for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(h, cy + ry); y++) {
      for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(w, cx + rx); x++) {
        if (ellipse && ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 > 1) continue;
        const i = y * w + x;
        const t = (texture[i] - 0.5) * 200 + (rng.next() - 0.5) * 40;
        for (let c = 0; c < 3; c++) px[i * 3 + c] = Math.max(0, Math.min(255, colour[c] + t));
      }
    }
  }
  return px;
}

/** The folder holding the benchmark's `count` JPEGs, made on first use. */
export async function benchJpegs(count = 200): Promise<string> {
  const dir = join(tmpdir(), 'disco-bench-augment', `jpegs-v${VERSION}-${JPEG_WIDTH}x${JPEG_HEIGHT}-${count}`);
  if (existsSync(dir) && readdirSync(dir).filter((f) => f.endsWith('.jpg')).length === count) return dir;
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const jpg = await sharp(photo(1000 + i), { raw: { width: JPEG_WIDTH, height: JPEG_HEIGHT, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    writeFileSync(join(dir, `${String(i).padStart(4, '0')}.jpg`), jpg);
  }
  return dir;
}
