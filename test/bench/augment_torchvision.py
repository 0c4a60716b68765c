"""
torchvision + PIL side of `bench augment` (test/bench/augment.ts): MoCo-v2's augmentation as
in moco/main_moco.py (aug_plus), decoding each JPEG once per pair like ImageFolder +
TwoCropsTransform, single-threaded. Output views are uint8 HWC numpy arrays (the wire format
disco uses), so ToTensor/Normalize are left out, as they are left out of ours.

Protocol (stdin/stdout, one JSON object per line): started with the JPEG folder and the
output size, it answers {"ready": true, "versions": ...}; then each line "<n>" runs n pairs
and answers {"pairs": n, "cpu_s": ..., "wall_s": ...}; EOF ends it.
"""
import io
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torchvision
import torchvision.transforms as T
from PIL import Image, ImageFilter


class GaussianBlur:
    """moco/loader.py's GaussianBlur: PIL's GaussianBlur with sigma uniform in [0.1, 2]."""

    def __init__(self, sigma=(0.1, 2.0)):
        self.sigma = sigma

    def __call__(self, x):
        return x.filter(ImageFilter.GaussianBlur(radius=random.uniform(self.sigma[0], self.sigma[1])))


def main():
    folder, size = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(1)
    random.seed(0)
    torch.manual_seed(0)
    augment = T.Compose([
        T.RandomResizedCrop(size, scale=(0.2, 1.0)),
        T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8),
        T.RandomGrayscale(p=0.2),
        T.RandomApply([GaussianBlur([0.1, 2.0])], p=0.5),
        T.RandomHorizontalFlip(),
    ])
    files = sorted(f for f in os.listdir(folder) if f.endswith('.jpg'))
    blobs = [open(os.path.join(folder, f), 'rb').read() for f in files]

    def pair(blob):
        img = Image.open(io.BytesIO(blob)).convert('RGB')
        return np.asarray(augment(img)), np.asarray(augment(img))

    for i in range(20):
        pair(blobs[i % len(blobs)])
    print(json.dumps({'ready': True, 'images': len(blobs), 'versions': {
        'torch': torch.__version__, 'torchvision': torchvision.__version__, 'PIL': Image.__version__}}), flush=True)
    done = 0
    for line in sys.stdin:
        n = int(line)
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(n):
            v1, v2 = pair(blobs[done % len(blobs)])
            assert v1.shape == (size, size, 3) and v2.dtype == np.uint8
            done += 1
        print(json.dumps({'pairs': n, 'cpu_s': time.process_time() - c0, 'wall_s': time.perf_counter() - t0}), flush=True)


if __name__ == '__main__':
    main()
