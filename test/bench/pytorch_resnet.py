"""The PyTorch side of disco's side-by-side benches: torchvision's ResNet blocks with a base
width multiplier and either the ImageNet stem (7x7/2 conv + 3x3/2 max-pool) or the CIFAR stem
(3x3/1 conv, no pool), ending at the pooled features (no classifier) -- the same network as
`ResNet` in libs/models. With width 64 and the ImageNet stem it is torchvision's resnet18/50
without `fc`. Shared by pytorch_train_step.py and pytorch_embed.py; run with /usr/bin/python3
(Debian python3-torch)."""
import argparse
import json
import statistics
import sys
import time

import torch
import torchvision
from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck, conv1x1

BLOCKS = {18: (BasicBlock, [2, 2, 2, 2]), 34: (BasicBlock, [3, 4, 6, 3]), 50: (Bottleneck, [3, 4, 6, 3]),
          101: (Bottleneck, [3, 4, 23, 3]), 152: (Bottleneck, [3, 8, 36, 3])}


class BenchResNet(nn.Module):
    def __init__(self, depth, stem, width):
        super().__init__()
        block, counts = BLOCKS[depth]
        if stem == 'imagenet':
            self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        else:
            self.conv1 = nn.Conv2d(3, width, kernel_size=3, stride=1, padding=1, bias=False)
            self.maxpool = nn.Identity()
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        inplanes = width
        for stage, count in enumerate(counts):
            planes = width * 2 ** stage
            stride = 1 if stage == 0 else 2
            out = planes * block.expansion
            downsample = None
            if stride != 1 or inplanes != out:
                downsample = nn.Sequential(conv1x1(inplanes, out, stride), nn.BatchNorm2d(out))
            blocks = [block(inplanes, planes, stride, downsample)]
            blocks += [block(out, planes) for _ in range(1, count)]
            inplanes = out
            setattr(self, f'layer{stage + 1}', nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')

    def forward(self, x):  # [N, 3, H, W] -> [N, featureDim]
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(self.avgpool(x), 1)


def bench_args(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument('--depth', type=int, required=True, choices=sorted(BLOCKS))
    p.add_argument('--stem', required=True, choices=['imagenet', 'cifar'])
    p.add_argument('--width', type=int, required=True)
    p.add_argument('--batch', type=int, required=True)
    p.add_argument('--size', type=int, required=True)
    p.add_argument('--iters', type=int, default=10)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--serve', action='store_true',
                   help='run one step per "step" line on stdin (for the interleaving harness) instead of timing alone')
    return p


def setup(args):
    """Threads, seeded model and input; returns (model, x)."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = BenchResNet(args.depth, args.stem, args.width)
    x = torch.randn(args.batch, 3, args.size, args.size)  # [N, 3, H, W]
    return model, x


def measure(step, warmup, iters):
    """Runs `step` warmup times untimed, then iters times timed; returns ms per timed run."""
    for _ in range(warmup):
        step()
    samples = []
    for _ in range(iters):
        t0 = time.perf_counter()
        step()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def info(model):
    return {
        'torch': torch.__version__,
        'torchvision': torchvision.__version__,
        'threads': torch.get_num_threads(),
        'params': sum(p.numel() for p in model.parameters() if p.requires_grad),
    }


def emit(obj):
    print(json.dumps(obj), flush=True)


def run(model, step, args):
    """With --serve: print info, then time one step per 'step' line until 'quit' (the TypeScript
    harness interleaves these with its own). Otherwise time warmup + iters steps and print info
    with the median and samples in ms."""
    if not args.serve:
        samples = measure(step, args.warmup, args.iters)
        emit({**info(model), 'median_ms': statistics.median(samples), 'samples_ms': samples})
        return
    emit(info(model))
    for line in sys.stdin:
        command = line.strip()
        if command == 'quit':
            break
        if command != 'step':
            raise SystemExit(f'unknown command {command!r} (expected step or quit)')
        t0 = time.perf_counter()
        step()
        emit({'ms': (time.perf_counter() - t0) * 1000})
