/** Test images made on the fly: deterministic RGB patterns, encoded by sharp. */
import sharp from 'sharp';

/** A w x h RGB pattern with gradients, edges and per-channel differences. */
export function pattern(width: number, height: number, seed = 1): Uint8Array {
  const px = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const blob = (x - width / 3) ** 2 + (y - height / 2) ** 2 < (Math.min(width, height) / 4) ** 2;
      px[i] = blob ? 230 : (x * 255) / width;
      px[i + 1] = ((y * 255) / height + seed * 37) % 256;
      px[i + 2] = ((x + y) * 7 + seed * 11) % 256;
    }
  }
  return px;
}

export function raw(width: number, height: number, channels: 1 | 2 | 3 | 4 = 3) {
  return { raw: { width, height, channels } };
}

export async function jpeg(width: number, height: number, seed = 1): Promise<Buffer> {
  return sharp(pattern(width, height, seed), raw(width, height)).jpeg({ quality: 90 }).toBuffer();
}

export async function png(width: number, height: number, seed = 1): Promise<Buffer> {
  return sharp(pattern(width, height, seed), raw(width, height)).png().toBuffer();
}
