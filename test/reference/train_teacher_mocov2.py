#!/usr/bin/env python3
"""Trains disco's bundled demo teacher with MoCo-v2 in PyTorch and saves it in the MoCo-v2
release checkpoint format ({'epoch', 'arch', 'state_dict': {'module.encoder_q.*',
'module.encoder_k.*', 'module.queue', 'module.queue_ptr'}, 'optimizer'}), so disco imports it
through the same loader real users' MoCo checkpoints go through.

Run with Debian's PyTorch (not the pyenv python):
  /usr/bin/python3 test/reference/train_teacher_mocov2.py --out services/cli/assets/teacher/teacher.pth

Data: Fashion-MNIST training images from Debian's dataset-fashion-mnist (IDX, 28 px grey),
padded to 32 px and repeated to 3 channels, normalised with ImageNet mean/std as disco does. Augmentation is MoCo-v2's, done batch-wise on
tensors for speed (resized crop via affine grids, brightness/contrast jitter with p 0.8 — hue
and saturation are no-ops on grey images — , horizontal flip); Gaussian blur is left out at 32 px,
as is usual for CIFAR-sized MoCo. Shuffle-BN is replaced by shuffled ghost batches on one device
(the same substitute disco's trainer uses). The architecture is torchvision's ResNet with a CIFAR
stem and a configurable base width, with torchvision's parameter names.
"""
import argparse, gzip, json, math, os, struct, time
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx_images(path):
    with gzip.open(path, 'rb') as f:
        magic, n, h, w = struct.unpack('>IIII', f.read(16))
        assert magic == 2051, f'{path}: not an IDX image file (magic {magic})'
        return torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).view(n, h, w)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, width, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.downsample = None
        if stride != 1 or cin != width:
            self.downsample = nn.Sequential(nn.Conv2d(cin, width, 1, stride, bias=False), nn.BatchNorm2d(width))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (self.downsample(x) if self.downsample is not None else x))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, width, stride):
        super().__init__()
        cout = width * 4
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (self.downsample(x) if self.downsample is not None else x))


DEPTHS = {18: (BasicBlock, [2, 2, 2, 2]), 34: (BasicBlock, [3, 4, 6, 3]), 50: (Bottleneck, [3, 4, 6, 3])}


class CifarResNet(nn.Module):
    """torchvision names; CIFAR stem (3×3/1, no max-pool); MoCo-v2 MLP head as `fc`."""

    def __init__(self, depth, base_width, dim):
        super().__init__()
        block, counts = DEPTHS[depth]
        self.conv1 = nn.Conv2d(3, base_width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(base_width)
        cin = base_width
        for i, n in enumerate(counts):
            blocks = []
            for b in range(n):
                blocks.append(block(cin, base_width * 2 ** i, 2 if (b == 0 and i > 0) else 1))
                cin = base_width * 2 ** i * block.expansion
            setattr(self, f'layer{i + 1}', nn.Sequential(*blocks))
        self.feature_dim = cin
        self.fc = nn.Sequential(nn.Linear(cin, cin), nn.ReLU(), nn.Linear(cin, dim))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        for i in range(4):
            x = getattr(self, f'layer{i + 1}')(x)
        return self.fc(x.mean(dim=(2, 3)))


IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def augment(x, gen):
    """MoCo-v2 views, batch-wise. x: [N,3,32,32] float in [0,1]."""
    n = x.shape[0]
    # RandomResizedCrop(scale 0.2–1, ratio 3/4–4/3): one accepted draw per image (no retries
    # needed: at these ranges the crop always fits after clamping).
    area = torch.empty(n).uniform_(0.2, 1.0, generator=gen)
    logr = torch.empty(n).uniform_(math.log(3 / 4), math.log(4 / 3), generator=gen)
    ratio = torch.exp(logr)
    w = torch.sqrt(area * ratio).clamp(max=1.0)
    h = torch.sqrt(area / ratio).clamp(max=1.0)
    cx = (torch.rand(n, generator=gen) * (1 - w) + w / 2) * 2 - 1
    cy = (torch.rand(n, generator=gen) * (1 - h) + h / 2) * 2 - 1
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = w * flip
    theta[:, 0, 2] = cx
    theta[:, 1, 1] = h
    theta[:, 1, 2] = cy
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    v = F.grid_sample(x, grid, mode='bilinear', padding_mode='border', align_corners=False)
    # ColorJitter p=0.8: brightness and contrast 0.4 (saturation and hue do nothing on grey).
    jit = (torch.rand(n, generator=gen) < 0.8).float().view(n, 1, 1, 1)
    b = torch.empty(n).uniform_(0.6, 1.4, generator=gen).view(n, 1, 1, 1)
    c = torch.empty(n).uniform_(0.6, 1.4, generator=gen).view(n, 1, 1, 1)
    mean = v.mean(dim=(1, 2, 3), keepdim=True)
    jittered = ((v * b - mean * b) * c + mean * b).clamp(0, 1)
    v = jit * jittered + (1 - jit) * v
    return (v - IMAGENET_MEAN) / IMAGENET_STD


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default='/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz')
    ap.add_argument('--out', required=True)
    ap.add_argument('--depth', type=int, default=18)
    ap.add_argument('--width', type=int, default=32)
    ap.add_argument('--images', type=int, default=20000, help='first N training images')
    ap.add_argument('--epochs', type=int, default=4)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--K', type=int, default=4096)
    ap.add_argument('--m', type=float, default=0.99)
    ap.add_argument('--T', type=float, default=0.2)
    ap.add_argument('--lr', type=float, default=0.06)
    ap.add_argument('--wd', type=float, default=5e-4)
    ap.add_argument('--ghost', type=int, default=4, help='ghost batches of the key forward (Shuffle-BN substitute)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--slim', action='store_true',
                    help='omit encoder_k and the optimizer state (keeps the bundled file small; '
                         'the importer ignores both anyway)')
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(args.seed)

    imgs = read_idx_images(args.data)[: args.images]
    x_all = F.pad(imgs.float().div(255).unsqueeze(1), (2, 2, 2, 2)).repeat(1, 3, 1, 1)  # [N,3,32,32]

    q_enc = CifarResNet(args.depth, args.width, 128)
    k_enc = CifarResNet(args.depth, args.width, 128)
    k_enc.load_state_dict(q_enc.state_dict())
    for p in k_enc.parameters():
        p.requires_grad = False
    queue = F.normalize(torch.randn(128, args.K), dim=0)
    ptr = 0
    opt = torch.optim.SGD(q_enc.parameters(), lr=args.lr, momentum=0.9, weight_decay=args.wd)
    steps_per_epoch = len(x_all) // args.batch
    total = steps_per_epoch * args.epochs
    t0 = time.time()
    for epoch in range(args.epochs):
        for g in opt.param_groups:
            g['lr'] = args.lr * 0.5 * (1 + math.cos(math.pi * epoch / args.epochs))
        perm = torch.randperm(len(x_all), generator=gen)
        for step in range(steps_per_epoch):
            x = x_all[perm[step * args.batch:(step + 1) * args.batch]]
            v1, v2 = augment(x, gen), augment(x, gen)
            q = F.normalize(q_enc(v1), dim=1)
            with torch.no_grad():
                for pq, pk in zip(q_enc.parameters(), k_enc.parameters()):
                    pk.mul_(args.m).add_(pq.detach(), alpha=1 - args.m)
                shuf = torch.randperm(len(v2), generator=gen)
                k = torch.cat([k_enc(c) for c in v2[shuf].chunk(args.ghost)])
                k = F.normalize(k, dim=1)[torch.argsort(shuf)]
            l_pos = (q * k).sum(1, keepdim=True)
            l_neg = q @ queue
            logits = torch.cat([l_pos, l_neg], 1) / args.T
            loss = F.cross_entropy(logits, torch.zeros(len(q), dtype=torch.long))
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                queue[:, ptr:ptr + len(k)] = k.T
                ptr = (ptr + len(k)) % args.K
            done = epoch * steps_per_epoch + step + 1
            if done % 20 == 0 or done == total:
                el = time.time() - t0
                print(f'epoch {epoch} step {step + 1}/{steps_per_epoch} loss {loss.item():.4f} '
                      f'{done * args.batch / el:.0f} img/s eta {el / done * (total - done):.0f}s', flush=True)

    state = {f'module.encoder_q.{k}': v for k, v in q_enc.state_dict().items()}
    if not args.slim:
        state.update({f'module.encoder_k.{k}': v for k, v in k_enc.state_dict().items()})
    state['module.queue'] = queue
    state['module.queue_ptr'] = torch.tensor([ptr], dtype=torch.long)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    arch = f'resnet{args.depth}-cifar'
    ckpt = {'epoch': args.epochs, 'arch': arch, 'state_dict': state}
    if not args.slim:
        ckpt['optimizer'] = opt.state_dict()
    torch.save(ckpt, args.out)
    meta = {'arch': arch, 'width': args.width, 'embed_dim': 128, 'head_hidden': q_enc.feature_dim,
            'trained_with': vars(args), 'seconds': round(time.time() - t0, 1), 'final_loss': loss.item(),
            'normalise': 'imagenet'}
    with open(os.path.splitext(args.out)[0] + '.json', 'w') as f:
        json.dump(meta, f, indent=2)
    print(json.dumps(meta))


if __name__ == '__main__':
    main()
