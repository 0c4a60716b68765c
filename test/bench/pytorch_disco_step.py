"""PyTorch side of `npm run bench -- disco-step`: one whole DisCo / MoCo-v2 / SEED training step
with DisCo-pytorch's semantics (Yuting-Gao/DisCo-pytorch, DisCo/moco/builder_kq_mse_largeembedding_2048.py
and DisCo/main.py; SEED's seed/builder.py), on one device, float32, the teacher's embeddings given:

  momentum update of the key encoder (no_grad, parameters only); keys of view 2 on the shuffled
  batch in ghost batches (the single-device Shuffle-BN substitute disco uses), unshuffled,
  normalised; q1 = normalize(student(x1)), q2 = normalize(student(x2)) (disco, mse-only);
  l_pos = einsum('nc,nc->n', q, k)[:, None], l_neg = einsum('nc,ck->nk', q, queue.clone().detach()),
  logits = cat([l_pos, l_neg], 1) / T, CrossEntropyLoss against label 0; + MSELoss(sum)(t, q) of each
  view (disco); backward; SGD(momentum 0.9, weight decay 1e-4); the queue ([D, K], as the
  reference stores it) written in place at queue_ptr.
SEED: logits_s = cat([s.t, s.queue]) / Ts, targets = softmax(cat([t.t, t.queue]) / Tt), loss =
-(targets * log_softmax(logits_s)).sum() / N, both views averaged; the queue of teacher
embeddings gets both views.

The student is the same network as libs/models builds: pytorch_resnet.BenchResNet for the
ResNets, torchvision's mobilenet_v3_large (features, pooling, classifier.0 + Hardswish) and
efficientnet_b0 (features, pooling), then the head Linear(feat, hidden) -> ReLU -> Linear(hidden, dim).
Run with /usr/bin/python3 (Debian python3-torch); serves steps with --serve (pytorch_resnet.run).
"""
import argparse
import copy

import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from pytorch_resnet import BenchResNet, run


def backbone(student, width):
    if student in ('resnet18', 'resnet18-cifar'):
        return BenchResNet(18, 'cifar' if student.endswith('cifar') else 'imagenet', round(64 * width)), 512 * width
    if student == 'mobilenetv3-large':
        m = torchvision.models.mobilenet_v3_large(width_mult=width)
        last = m.classifier[0]
        return nn.Sequential(m.features, m.avgpool, nn.Flatten(1), last, nn.Hardswish()), last.out_features
    if student == 'efficientnet-b0':
        if width != 1:
            raise SystemExit('efficientnet-b0: only width 1 here')
        m = torchvision.models.efficientnet_b0()
        return nn.Sequential(m.features, m.avgpool, nn.Flatten(1)), 1280
    raise SystemExit(f'unknown student {student}')


class Encoder(nn.Module):
    def __init__(self, student, width, hidden, dim):
        super().__init__()
        self.backbone, feat = backbone(student, width)
        self.fc = nn.Sequential(nn.Linear(int(feat), hidden), nn.ReLU(inplace=True), nn.Linear(hidden, dim))

    def forward(self, x):
        return self.fc(self.backbone(x))


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--student', required=True)
    p.add_argument('--width', type=float, default=1)
    p.add_argument('--mode', default='disco', choices=['disco', 'mocov2', 'mse-only', 'seed'])
    p.add_argument('--k', type=int, default=65536)
    p.add_argument('--dim', type=int, default=128)
    p.add_argument('--head-hidden', type=int, default=2048)
    p.add_argument('--ghost', type=int, default=32)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--size', type=int, default=32)
    p.add_argument('--iters', type=int, default=10)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--serve', action='store_true')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    T, M, LAMBDA_SUM, TS, TT = 0.2, 0.999, 1.0, 0.2, 1e-4
    N, D, K = args.batch, args.dim, args.k

    encoder_q = Encoder(args.student, args.width, args.head_hidden, D)
    encoder_k = copy.deepcopy(encoder_q) if args.mode != 'seed' else None
    if encoder_k is not None:
        for param in encoder_k.parameters():
            param.requires_grad = False
    queue = F.normalize(torch.randn(D, K), dim=0)  # [D, K]
    ptr = [0]
    opt = torch.optim.SGD(encoder_q.parameters(), lr=0.03 * N / 256, momentum=0.9, weight_decay=1e-4)
    ce, mse = nn.CrossEntropyLoss(), nn.MSELoss(reduction='sum')
    x1 = torch.randn(N, 3, args.size, args.size)  # [N, 3, H, W]
    x2 = torch.randn(N, 3, args.size, args.size)
    t1 = F.normalize(torch.randn(N, D), dim=1)  # [N, D] teacher embeddings, given
    t2 = F.normalize(torch.randn(N, D), dim=1)
    labels = torch.zeros(N, dtype=torch.long)
    encoder_q.train()
    if encoder_k is not None:
        encoder_k.train()

    def keys():
        with torch.no_grad():
            for pq, pk in zip(encoder_q.parameters(), encoder_k.parameters()):
                pk.data = pk.data * M + pq.data * (1.0 - M)
            perm = torch.randperm(N)
            xs = x2[perm]
            k = torch.cat([encoder_k(chunk) for chunk in xs.split(args.ghost)])  # [N, D] shuffled
            k = F.normalize(k, dim=1)
            return k[torch.argsort(perm)]  # [N, D] unshuffled

    def enqueue(k):
        p0 = ptr[0]
        queue[:, p0:p0 + k.shape[0]] = k.T  # in place, [D, n]
        ptr[0] = (p0 + k.shape[0]) % K

    def infonce(q, k):
        l_pos = torch.einsum('nc,nc->n', [q, k]).unsqueeze(-1)  # [N, 1]
        l_neg = torch.einsum('nc,ck->nk', [q, queue.clone().detach()])  # [N, K]
        return torch.cat([l_pos, l_neg], dim=1) / T  # [N, 1+K]

    def seed_loss(s, t):
        logit_s = torch.cat([torch.einsum('nc,nc->n', [s, t]).unsqueeze(-1), torch.einsum('nc,ck->nk', [s, queue])], 1) / TS
        logit_t = torch.cat([torch.einsum('nc,nc->n', [t, t]).unsqueeze(-1), torch.einsum('nc,ck->nk', [t, queue])], 1) / TT
        return -(F.softmax(logit_t, 1) * F.log_softmax(logit_s, 1)).sum() / s.shape[0]

    def step():
        opt.zero_grad(set_to_none=True)
        if args.mode == 'seed':
            s1 = F.normalize(encoder_q(x1), dim=1)
            s2 = F.normalize(encoder_q(x2), dim=1)
            loss = (seed_loss(s1, t1) + seed_loss(s2, t2)) / 2
            loss.backward()
            opt.step()
            enqueue(torch.cat([t1, t2]))
        else:
            k = keys()
            q1 = F.normalize(encoder_q(x1), dim=1)  # [N, D]
            loss = ce(infonce(q1, k), labels)
            if args.mode in ('disco', 'mse-only'):
                q2 = F.normalize(encoder_q(x2), dim=1)
                distill = LAMBDA_SUM * (mse(t1, q1) + mse(t2, q2))
                loss = loss + distill if args.mode == 'disco' else distill
            loss.backward()
            opt.step()
            enqueue(k)
        if not torch.isfinite(loss):
            raise SystemExit(f'disco-step: loss is {loss.item()}')

    run(encoder_q, step, args)


if __name__ == '__main__':
    main()
