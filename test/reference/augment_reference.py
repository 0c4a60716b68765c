"""
Golden outputs for libs/augment's pixel stages, from torchvision 0.14 + PIL (Debian's
python3-torchvision), each stage on its own so the TypeScript test can pin each one down:

- resize: F.resized_crop on a PIL image (PIL BILINEAR, antialiased), as RandomResizedCrop does;
- colour: F.adjust_brightness/contrast/saturation/hue and rgb_to_grayscale on float tensors
  (torchvision's tensor semantics: clamp after every op), result * 255 rounded half to even;
- blur: a float64 separable Gaussian, radius ceil(3 sigma), edges replicated (our definition),
  plus PIL's GaussianBlur(radius=sigma) (MoCo-v2's blur, a box approximation) for comparison;
- crop statistics: histograms of RandomResizedCrop.get_params's area fraction and log aspect
  ratio over 100,000 draws per image shape, for the distribution tests.

Run: /usr/bin/python3 test/reference/augment_reference.py
Writes test/fixtures/augment/reference.json (inputs are generated here, stored as base64 RGB).
"""
import base64
import json
import math
import os

import numpy as np
import torch
import torchvision
from PIL import Image, ImageFilter
from torchvision.transforms import InterpolationMode
from torchvision.transforms import functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'augment', 'reference.json')
rng = np.random.default_rng(20240601)


def textured(h, w):
    """Smooth colour gradients + blobs + grain: edges and flat areas, all channels distinct."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([
        128 + 100 * np.sin(x / 7.0 + y / 13.0),
        128 + 100 * np.cos(y / 5.0 - x / 17.0),
        128 + 100 * np.sin((x + y) / 9.0),
    ], axis=-1)
    for _ in range(6):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(3, 12)
        mask = (y - cy) ** 2 + (x - cx) ** 2 < r * r
        img[mask] = rng.uniform(0, 255, size=3)
    img += rng.normal(0, 6, size=img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode()


def resize_cases(src):
    pil = Image.fromarray(src)
    cases = []
    # (left, top, width, height, size): downscale, upscale, non-square, touching edges, odd sizes
    for left, top, w, h, size in [(5, 7, 90, 70, 48), (0, 0, 120, 90, 48), (30, 20, 20, 25, 48),
                                  (61, 11, 59, 79, 31), (0, 45, 120, 45, 16), (17, 3, 64, 64, 64),
                                  (2, 2, 7, 5, 33)]:
        out = F.resized_crop(pil, top, left, h, w, [size, size], InterpolationMode.BILINEAR)
        cases.append({'crop': {'x': left, 'y': top, 'width': w, 'height': h}, 'size': size, 'out': b64(np.asarray(out))})
    return cases


OPS = {
    'brightness': F.adjust_brightness,
    'contrast': F.adjust_contrast,
    'saturation': F.adjust_saturation,
    'hue': F.adjust_hue,
}


def colour_cases(src):
    t = torch.from_numpy(src).permute(2, 0, 1).double() / 255.0
    specs = [
        (['brightness'], {'brightness': 1.37}, False),
        (['brightness'], {'brightness': 0.61}, False),
        (['contrast'], {'contrast': 1.4}, False),
        (['contrast'], {'contrast': 0.6}, False),
        (['saturation'], {'saturation': 1.39}, False),
        (['saturation'], {'saturation': 0.0}, False),
        (['hue'], {'hue': 0.1}, False),
        (['hue'], {'hue': -0.07}, False),
        (['hue'], {'hue': 0.5}, False),
        ([], {}, True),
        (['brightness', 'contrast', 'saturation', 'hue'], {'brightness': 1.3, 'contrast': 0.7, 'saturation': 1.2, 'hue': 0.05}, False),
        (['hue', 'saturation', 'contrast', 'brightness'], {'brightness': 0.8, 'contrast': 1.35, 'saturation': 0.65, 'hue': -0.09}, False),
        (['saturation', 'brightness', 'hue', 'contrast'], {'brightness': 1.4, 'contrast': 1.4, 'saturation': 1.4, 'hue': 0.1}, True),
        (['contrast', 'hue', 'brightness', 'saturation'], {'brightness': 0.6, 'contrast': 0.6, 'saturation': 0.6, 'hue': -0.1}, False),
    ]
    cases = []
    for order, factors, grey in specs:
        x = t.clone()
        for op in order:
            x = OPS[op](x, factors[op])
        if grey:
            x = F.rgb_to_grayscale(x, num_output_channels=3)
        out = torch.round(x * 255.0).clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()
        full = {'brightness': 1.0, 'contrast': 1.0, 'saturation': 1.0, 'hue': 0.0, **factors}
        cases.append({'order': order, **full, 'grayscale': grey, 'out': b64(out)})
    return cases


def gaussian(img, sigma):
    r = max(1, math.ceil(3 * sigma))
    k = np.exp(-np.arange(-r, r + 1) ** 2 / (2 * sigma * sigma))
    k /= k.sum()
    x = img.astype(np.float64)
    for axis in (0, 1):
        pad = [(0, 0)] * 3
        pad[axis] = (r, r)
        p = np.pad(x, pad, mode='edge')
        x = sum(k[i] * np.take(p, range(i, i + img.shape[axis]), axis=axis) for i in range(2 * r + 1))
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def blur_cases(src):
    pil = Image.fromarray(src)
    return [{'sigma': s, 'out': b64(gaussian(src, s)), 'pil': b64(np.asarray(pil.filter(ImageFilter.GaussianBlur(radius=s))))}
            for s in (0.1, 0.3, 0.7, 1.0, 1.55, 2.0)]


AREA_EDGES = [0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0 + 1e-9]
LOG_RATIO_EDGES = list(np.linspace(math.log(3 / 4) - 0.02, math.log(4 / 3) + 0.02, 9))


def crop_stats(draws=100_000):
    torch.manual_seed(7)
    out = []
    for w, h in [(500, 375), (300, 300), (100, 400)]:
        img = torch.empty(3, h, w)
        area, logr = [], []
        for _ in range(draws):
            i, j, ch, cw = torchvision.transforms.RandomResizedCrop.get_params(img, [0.2, 1.0], [3 / 4, 4 / 3])
            area.append(ch * cw / (w * h))
            logr.append(math.log(cw / ch))
        out.append({
            'width': w, 'height': h, 'draws': draws,
            'area_edges': AREA_EDGES, 'area_p': (np.histogram(area, AREA_EDGES)[0] / draws).tolist(),
            'log_ratio_edges': LOG_RATIO_EDGES, 'log_ratio_p': (np.histogram(logr, LOG_RATIO_EDGES)[0] / draws).tolist(),
        })
    return out


def main():
    big = textured(90, 120)
    square = textured(41, 41)
    doc = {
        'made_by': f'test/reference/augment_reference.py (torch {torch.__version__}, torchvision {torchvision.__version__}, PIL {Image.__version__})',
        'resize': {'width': 120, 'height': 90, 'src': b64(big), 'cases': resize_cases(big)},
        'colour': {'width': 41, 'height': 41, 'src': b64(square), 'cases': colour_cases(square)},
        'blur': {'width': 41, 'height': 41, 'src': b64(square), 'cases': blur_cases(square)},
        'crop_stats': crop_stats(),
    }
    with open(OUT, 'w') as f:
        json.dump(doc, f, indent=1)
    print('wrote', os.path.normpath(OUT), os.path.getsize(OUT), 'bytes')


if __name__ == '__main__':
    main()
