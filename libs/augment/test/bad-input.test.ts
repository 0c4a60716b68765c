/**
 * Part 3 of the augmentation issue: every kind of bad input, generated here, is either
 * decoded to sRGB RGB correctly or rejected with an ImageRejectedError naming the file and
 * a RejectReason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { augmentPair, decodeImage, decodeLimits, ImageRejectedError, REJECT_REASONS, type RejectReason } from '@disco/augment';
import { jpeg, pattern, png, raw } from './images.ts';

const W = 64;
const H = 48;
const decode = (bytes: Uint8Array, name = 'img', limits = decodeLimits()) => decodeImage({ kind: 'encoded', name, bytes }, limits);

async function rejects(bytes: Uint8Array, reason: RejectReason, limits = decodeLimits()): Promise<void> {
  await assert.rejects(decode(bytes, 'bad/file.jpg', limits), (err: unknown) => {
    assert.ok(err instanceof ImageRejectedError, String(err));
    assert.equal(err.reason, reason, err.message);
    assert.equal(err.file, 'bad/file.jpg');
    assert.match(err.message, /bad\/file\.jpg/);
    return true;
  });
}

const u8 = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  let c = 0xffffffff;
  for (const b of body) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0, 8 + data.length);
  return out;
}

/** A PNG claiming side x side RGB pixels whose IDAT inflates 1000:1 (the first rows only). */
function pngBomb(side: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = deflateSync(Buffer.alloc(8 * (1 + side * 3)), { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', rows), chunk('IEND', Buffer.alloc(0))]);
}

test('reasons are a fixed snake_case set (metric label values)', () => {
  for (const r of REJECT_REASONS) assert.match(r, /^[a-z_]+$/);
});

test('zero-byte, truncated, non-image, SVG and corrupt files are rejected with their reason', async () => {
  const j = await jpeg(W, H);
  const p = await png(W, H);
  await rejects(new Uint8Array(0), 'empty');
  await rejects(j.subarray(0, j.length >> 1), 'truncated');
  await rejects(j.subarray(0, 200), 'truncated');
  await rejects(p.subarray(0, p.length - 40), 'truncated');
  await rejects(Buffer.from('just some text, not an image\n'.repeat(20)), 'unsupported_format');
  await rejects(Buffer.from('\xef\xbb\xbf <svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', 'latin1'), 'unsupported_format');
  await rejects(Buffer.from([0x42, 0x4d, 1, 2, 3, 4, 5, 6, 7, 8]), 'unsupported_format');
  const broken = Buffer.from(p);
  for (let i = 60; i < 120; i++) broken[i] ^= 0x5a; // inside IDAT; IEND still present
  await rejects(broken, 'corrupt');
});

test('decompression bombs are rejected from the header, before decoding', async () => {
  const bomb = pngBomb(60_000); // 3.6 gigapixels claimed in a few hundred bytes
  assert.ok(bomb.length < 20_000);
  const t0 = performance.now();
  await rejects(bomb, 'too_many_pixels');
  assert.ok(performance.now() - t0 < 2000);
  await rejects(await png(300, 300), 'too_many_pixels', decodeLimits({ maxPixels: 50_000 }));
});

test('1x1 images are rejected as too small by default and decode when allowed', async () => {
  const one = await sharp(Buffer.from([10, 200, 30]), raw(1, 1)).png().toBuffer();
  await rejects(one, 'too_small');
  const img = await decode(one, 'one.png', decodeLimits({ minSide: 1 }));
  assert.deepEqual([img.width, img.height, [...img.pixels]], [1, 1, [10, 200, 30]]);
  const pair = await augmentPair({ kind: 'encoded', name: 'one.png', bytes: one }, { runSeed: 1, epoch: 0, index: 0, size: 8, limits: decodeLimits({ minSide: 1 }) });
  assert.equal(pair.view1.length, 8 * 8 * 3);
});

test('a PNG with a .jpg name decodes (content decides, not the extension)', async () => {
  const img = await decode(await png(W, H), 'photo.jpg');
  assert.deepEqual(u8(img.pixels), pattern(W, H));
});

test('16-bit, palette, alpha, grey and grey+alpha PNGs decode to 8-bit sRGB RGB', async () => {
  const px = pattern(W, H);
  const rgb16 = await sharp(px, raw(W, H)).toColourspace('rgb16').png().toBuffer();
  assert.equal((await sharp(rgb16).metadata()).depth, 'ushort');
  assert.ok(meanAbsDiff((await decode(rgb16)).pixels, px) <= 0.5);

  const blocks = px.map((_, i) => (((i % 3) * 80 + Math.floor(i / 3 / 16) * 40) % 256)); // few colours: exact in a palette
  const palette = await sharp(blocks, raw(W, H)).png({ palette: true, colours: 256, dither: 0 }).toBuffer();
  assert.equal((await sharp(palette).metadata()).isPalette, true);
  assert.deepEqual(u8((await decode(palette)).pixels), blocks);

  const rgba = new Uint8Array(W * H * 4);
  for (let i = 0; i < W * H; i++) rgba.set([px[3 * i], px[3 * i + 1], px[3 * i + 2], (i * 5) % 256], 4 * i);
  const alpha = await sharp(rgba, raw(W, H, 4)).png().toBuffer();
  assert.deepEqual(u8((await decode(alpha)).pixels), px, 'alpha is dropped, colour kept (PIL convert("RGB"))');

  const grey = new Uint8Array(W * H).map((_, i) => i % 251);
  const expectGrey = new Uint8Array(W * H * 3).map((_, i) => grey[Math.floor(i / 3)]);
  const g1 = await sharp(grey, raw(W, H, 1)).toColourspace('b-w').png().toBuffer();
  assert.equal((await sharp(g1).metadata()).channels, 1);
  assert.deepEqual(u8((await decode(g1)).pixels), expectGrey);
  const ga = new Uint8Array(W * H * 2).map((_, i) => (i % 2 ? 128 : grey[i >> 1]));
  const g2 = await sharp(ga, raw(W, H, 2)).toColourspace('b-w').png().toBuffer();
  assert.equal((await sharp(g2).metadata()).channels, 2);
  assert.deepEqual(u8((await decode(g2)).pixels), expectGrey);
});

test('CMYK JPEGs are converted to sRGB', async () => {
  const px = pattern(W, H).map((v) => 70 + v / 3); // muted colours, inside the CMYK gamut
  const cmyk = await sharp(px, raw(W, H)).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
  assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
  const img = await decode(cmyk);
  assert.deepEqual([img.width, img.height, img.pixels.length], [W, H, W * H * 3]);
  assert.ok(meanAbsDiff(img.pixels, px) < 6, `CMYK round trip differs by ${meanAbsDiff(img.pixels, px)}`);
});

/** The same JPEG with an EXIF APP1 segment carrying only Orientation spliced in (no re-encoding). */
function withOrientation(jpg: Buffer, orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write('II*\0', 0, 'latin1');
  tiff.writeUInt32LE(8, 4); // IFD0 offset
  tiff.writeUInt16LE(1, 8); // one entry
  tiff.writeUInt16LE(0x0112, 10); // Orientation
  tiff.writeUInt16LE(3, 12); // SHORT
  tiff.writeUInt32LE(1, 14); // count
  tiff.writeUInt16LE(orientation, 18);
  tiff.writeUInt32LE(0, 22); // no next IFD
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpg.subarray(0, 2), header, body, jpg.subarray(2)]);
}

test('EXIF orientation is applied (6: 90 degrees clockwise, 3: 180 degrees)', async () => {
  const plain = await jpeg(W, H);
  const upright = await decode(plain);
  const at = (x: number, y: number) => upright.pixels.subarray((y * W + x) * 3, (y * W + x) * 3 + 3);
  const cases = [
    { orientation: 6, width: H, height: W, to: (x: number, y: number) => x * H + (H - 1 - y) },
    { orientation: 3, width: W, height: H, to: (x: number, y: number) => (H - 1 - y) * W + (W - 1 - x) },
  ];
  for (const c of cases) {
    const bytes = withOrientation(plain, c.orientation);
    assert.equal((await sharp(bytes).metadata()).orientation, c.orientation);
    const img = await decode(bytes);
    assert.deepEqual([img.width, img.height], [c.width, c.height]);
    const expected = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) expected.set(at(x, y), c.to(x, y) * 3);
    assert.deepEqual(u8(img.pixels), expected, `orientation ${c.orientation}`);
  }
});

test('GIF, WebP and TIFF decode', async () => {
  const px = pattern(W, H);
  const webp = await sharp(px, raw(W, H)).webp({ lossless: true }).toBuffer();
  assert.deepEqual(u8((await decode(webp, 'x.webp')).pixels), px);
  const tiff = await sharp(px, raw(W, H)).tiff({ compression: 'lzw' }).toBuffer();
  assert.deepEqual(u8((await decode(tiff, 'x.tiff')).pixels), px);
  const gif = await sharp(px, raw(W, H)).gif().toBuffer(); // 256 colours: close, not exact
  assert.ok(meanAbsDiff((await decode(gif, 'x.gif')).pixels, px) < 6);
});
