"""Reference values for libs/eval on real data: PyTorch kNN (solo-learn's WeightedKNNClassifier
logic, cosine, k=200, T=0.1) and a linear probe (SGD momentum 0.9, no weight decay, cosine
per-step schedule, standardised features) on Fashion-MNIST raw pixels.

Data: Debian's dataset-fashion-mnist, t10k split; train = images 0..2999, test = 9000..9999;
features = pixels / 255 (784-d). Writes test/fixtures/knn/fmnist_pixels.json.
Run from the repo root:  /usr/bin/python3 libs/eval/test/reference/fmnist_pixels_reference.py
"""
import gzip
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

ROOT = '/usr/share/datasets/fashion-mnist'
OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'knn', 'fmnist_pixels.json')
TRAIN = (0, 3000)
TEST = (9000, 10000)
K, T = 200, 0.1
LINEAR = dict(epochs=20, lr=0.1, batch_size=256, momentum=0.9, seed=0)


def idx(name):
    with gzip.open(os.path.join(ROOT, name)) as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


images = idx('t10k-images-idx3-ubyte.gz').reshape(10000, -1).astype(np.float32) / 255
labels = idx('t10k-labels-idx1-ubyte.gz').astype(np.int64)
xtr, ytr = torch.from_numpy(images[TRAIN[0]:TRAIN[1]]), torch.from_numpy(labels[TRAIN[0]:TRAIN[1]])
xte, yte = torch.from_numpy(images[TEST[0]:TEST[1]]), torch.from_numpy(labels[TEST[0]:TEST[1]])
C = 10


def knn(train_f, train_y, test_f, test_y, k, t, chunk=256):
    """solo-learn WeightedKNNClassifier.compute(), cosine branch."""
    train_f, test_f = F.normalize(train_f, dim=1), F.normalize(test_f, dim=1)
    k = min(k, train_f.size(0))
    top1 = top5 = 0
    preds = []
    for i in range(0, test_f.size(0), chunk):
        f, y = test_f[i:i + chunk], test_y[i:i + chunk]
        b = f.size(0)
        sim, ind = torch.mm(f, train_f.t()).topk(k, largest=True, sorted=True)
        neighbours = torch.gather(train_y.view(1, -1).expand(b, -1), 1, ind)
        onehot = torch.zeros(b * k, C).scatter_(1, neighbours.view(-1, 1), 1)
        probs = torch.sum(onehot.view(b, -1, C) * sim.div(t).exp().view(b, -1, 1), 1)
        _, p = probs.sort(1, True)
        correct = p.eq(y.view(-1, 1))
        top1 += correct[:, :1].sum().item()
        top5 += correct[:, :min(5, k)].sum().item()
        preds += p[:, 0].tolist()
    n = test_f.size(0)
    return top1 / n, top5 / n, preds


def linear_probe(xtr, ytr, xte, yte, epochs, lr, batch_size, momentum, seed):
    mean, std = xtr.mean(0), xtr.std(0, unbiased=False).clamp_min(1e-6)
    xtr, xte = (xtr - mean) / std, (xte - mean) / std
    g = torch.Generator().manual_seed(seed)
    layer = torch.nn.Linear(xtr.size(1), C)
    layer.weight.data.normal_(0, 0.01, generator=g)
    layer.bias.data.zero_()
    opt = torch.optim.SGD(layer.parameters(), lr=lr, momentum=momentum, weight_decay=0)
    steps = math.ceil(xtr.size(0) / batch_size)
    total = steps * epochs
    step = 0
    for _ in range(epochs):
        perm = torch.randperm(xtr.size(0), generator=g)
        for s in range(steps):
            for group in opt.param_groups:
                group['lr'] = lr * 0.5 * (1 + math.cos(math.pi * step / total))
            ids = perm[s * batch_size:(s + 1) * batch_size]
            loss = F.cross_entropy(layer(xtr[ids]), ytr[ids])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
    with torch.no_grad():
        top = layer(xte).topk(5, 1).indices
    return (top[:, 0] == yte).float().mean().item(), (top == yte.view(-1, 1)).any(1).float().mean().item()


torch.manual_seed(0)
k1, k5, preds = knn(xtr, ytr, xte, yte, K, T)
l1, l5 = linear_probe(xtr, ytr, xte, yte, **LINEAR)
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump({
        'source': 'libs/eval/test/reference/fmnist_pixels_reference.py (torch %s)' % torch.__version__,
        'data': {'split': 't10k', 'train': TRAIN, 'test': TEST, 'features': 'pixels/255'},
        'knn': {'k': K, 'T': T, 'top1': k1, 'top5': k5, 'predictions': preds},
        'linear': dict(LINEAR, preprocess='standardize', schedule='cosine', top1=l1, top5=l5),
    }, f)
print('knn top1 %.4f top5 %.4f | linear top1 %.4f top5 %.4f' % (k1, k5, l1, l5))
