#!/usr/bin/python3
"""Golden values for libs/disco: the reference step semantics of DisCo-pytorch, in PyTorch.

Run from the repository root with Debian's PyTorch (not the pyenv python):
    /usr/bin/python3 test/reference/disco_reference_step.py
Writes test/fixtures/disco/{inputs,expected_<mode>}.{json,bin}.

What is reproduced (github.com/Yuting-Gao/DisCo-pytorch, commit 1d732c8):
- DisCo/moco/builder_kq_mse_largeembedding_2048.py `MoCo.forward`: the student (encoder_q)
  encodes both views with gradient (`q`, `qk`), then under no_grad the key encoder is momentum-
  updated over `parameters()` only (`param_k = param_k * m + param_q * (1 - m)`), the key view is
  shuffled, encoded and unshuffled; logits = cat([q.k, q.queue]) / T; `_dequeue_and_enqueue(k)`
  writes the keys at `queue_ptr` (assert K % batch == 0) before the loss is computed.
- DisCo/main.py `train`: `criterion = nn.CrossEntropyLoss()`, `criterion_mse =
  nn.MSELoss(reduction='sum')`, `mse_loss = criterion_mse(teacher_q, student_q)`, `mse_loss_qk =
  criterion_mse(teacher_qk, student_qk)`, `loss = 1.0 * loss + 1.0 * mse_loss + 1.0 * mse_loss_qk`
  (`--only-mse`: `0.0 * loss + ...`); `torch.optim.SGD(model.parameters(), lr, momentum,
  weight_decay)`; `adjust_learning_rate` with `--cos`: lr * 0.5 * (1 + cos(pi * epoch / epochs)).
- mocov2: facebookresearch/moco builder (query view only, CE only).
- seed: github.com/jacobswan1/SEED seed/builder.py + tools/utils.py `soft_cross_entropy`:
  logit_stu = cat([s.t, s.queue]) / t, logit_tea = softmax(cat([t.t, t.queue]) / temp),
  loss = -(logit_tea * log_softmax(logit_stu)).sum() / N; enqueue t. Applied to both views
  (mean of the two), then both views' teacher embeddings are enqueued (view 1 first).

Single-device substitutes (the same in libs/disco): the key view is permuted by a fixed
permutation (a fixture input), encoded in ghost batches of GHOST (BatchNorm statistics per ghost
batch; running statistics updated by ghost batch 0 only, as DDP keeps rank 0's), unpermuted.
The teacher is not a network here: its L2-normalised embeddings of both views are inputs.
Computed in float64 from float32 inputs, so the golden values carry no float32 rounding.

Each step after the first starts from the state the previous step recorded (`step<s>.state.*`,
rounded to float32, as the TS test restores it): a parity check per step. Chained steps would
compare float32 noise instead: a ReLU input within ~1e-6 of zero after one float32 step (one in
some 10^5 here) flips its mask and moves the early layers' gradients by ~1e-3.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'disco')
N, SIZE, WIDTH, HIDDEN, D, K, GHOST = 8, 16, 4, 64, 16, 32, 4
T, M, TS, TT = 0.2, 0.9, 0.2, 1e-4
MOMENTUM, WD, BASE_LR, EPOCHS = 0.9, 1e-3, 3.2, 4  # lr = 3.2 * 8 / 256 = 0.1 at epoch 0
STEPS = 2  # the second step exercises the momentum buffers and the queue pointer


# ---------------------------------------------------------------- model (torchvision names)
class BasicBlock(nn.Module):
    def __init__(self, cin, width, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.downsample = None
        if stride != 1 or cin != width:
            self.downsample = nn.Sequential(nn.Conv2d(cin, width, 1, stride, 0, bias=False), nn.BatchNorm2d(width))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(h))
        return F.relu(y + (self.downsample(x) if self.downsample is not None else x))


class CifarResNet18(nn.Module):
    """torchvision resnet18 with a 3x3/1 stem, no max-pool, stage widths w, 2w, 4w, 8w, no fc."""

    def __init__(self, w):
        super().__init__()
        self.conv1 = nn.Conv2d(3, w, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        cin = w
        for stage in range(4):
            width = w * 2 ** stage
            blocks = [BasicBlock(cin, width, 2 if stage > 0 else 1), BasicBlock(width, width, 1)]
            setattr(self, f'layer{stage + 1}', nn.Sequential(*blocks))
            cin = width
        self.feature_dim = cin

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        for stage in range(4):
            h = getattr(self, f'layer{stage + 1}')(h)
        return h.mean(dim=(2, 3))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = CifarResNet18(WIDTH)
        self.fc = nn.Sequential(nn.Linear(self.backbone.feature_dim, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, D))

    def forward(self, x_nhwc):
        return self.fc(self.backbone(x_nhwc.permute(0, 3, 1, 2)))


def f32(t):
    """Rounds to float32 and back: every input is exactly representable on the TS side."""
    return t.float().double()


def randomise(enc, gen, perturb_from=None):
    """Seeded non-trivial weights and BatchNorm statistics, all float32-representable.
    With `perturb_from`: that encoder's parameters plus noise (a key encoder that has drifted)."""
    def randn(shape):
        return torch.randn(shape, generator=gen, dtype=torch.float64)

    with torch.no_grad():
        for name, p in enc.named_parameters():
            if perturb_from is not None:
                p.copy_(f32(dict(perturb_from.named_parameters())[name] + 0.05 * randn(p.shape)))
            else:
                p.copy_(f32(p))  # PyTorch's default init, rounded to float32
        for m in enc.modules():
            if isinstance(m, nn.BatchNorm2d):
                if perturb_from is None:
                    m.weight.copy_(f32(1 + 0.2 * randn(m.weight.shape)))
                    m.bias.copy_(f32(0.1 * randn(m.bias.shape)))
                m.running_mean.copy_(f32(0.1 * randn(m.running_mean.shape)))
                m.running_var.copy_(f32(0.5 + torch.rand(m.running_var.shape, generator=gen, dtype=torch.float64)))


# ---------------------------------------------------------------- layout: ours <- PyTorch
def ours(name, t):
    """Conv [out,in,kh,kw] -> [kh,kw,in,out]; Linear [out,in] -> [in,out]; others as they are."""
    if t.dim() == 4:
        return t.permute(2, 3, 1, 0)
    if t.dim() == 2 and name.endswith('weight'):
        return t.t()
    return t


def state_of(enc):
    """Parameters and running statistics (num_batches_tracked is not part of our state)."""
    return {k: v for k, v in enc.state_dict().items() if not k.endswith('num_batches_tracked')}


class Fixture:
    """float32 little-endian blobs in one .bin + a JSON index {name: {shape, dtype, offset}}."""

    def __init__(self):
        self.blobs, self.index, self.offset, self.scalars = [], {}, 0, {}

    def tensor(self, name, t, dtype='float32'):
        arr = t.detach().contiguous().to(torch.float32 if dtype == 'float32' else torch.int32)
        raw = arr.numpy().tobytes()
        self.index[name] = {'shape': list(arr.shape), 'dtype': dtype, 'offset': self.offset}
        self.blobs.append(raw)
        self.offset += len(raw)

    def scalar(self, name, v):
        self.scalars[name] = float(v)

    def write(self, stem, meta):
        with open(os.path.join(OUT, stem + '.bin'), 'wb') as f:
            for b in self.blobs:
                f.write(b)
        with open(os.path.join(OUT, stem + '.json'), 'w') as f:
            json.dump({'meta': meta, 'scalars': self.scalars, 'tensors': self.index}, f, indent=1, sort_keys=True)


# ---------------------------------------------------------------- the reference step
class frozen_bn_stats:
    """BatchNorm with batch statistics but running statistics left alone (ghost batches > 0)."""

    def __init__(self, module):
        self.module = module

    def __enter__(self):
        self.saved = {k: v.clone() for k, v in self.module.state_dict().items() if 'running' in k or 'num_batches' in k}

    def __exit__(self, *exc):
        self.module.load_state_dict({**self.module.state_dict(), **self.saved})


def ghost_key_forward(encoder_k, x, perm):
    """Shuffle, encode in ghost batches, unshuffle (the _batch_shuffle_ddp substitute)."""
    shuffled = x[perm]
    outs = []
    for g, chunk in enumerate(torch.split(shuffled, GHOST)):
        if g == 0:
            outs.append(encoder_k(chunk))
        else:
            with frozen_bn_stats(encoder_k):
                outs.append(encoder_k(chunk))
    k = F.normalize(torch.cat(outs), dim=1)
    return k[torch.argsort(perm)]


def lr_at(epoch):
    return BASE_LR * N / 256 * 0.5 * (1 + math.cos(math.pi * epoch / EPOCHS))


def run(mode, student, key, queue, ptr, batches, fx):
    opt = torch.optim.SGD(student.parameters(), lr_at(0), momentum=MOMENTUM, weight_decay=WD)
    student.train()
    key.train()
    for s, b in enumerate(batches):
        for g in opt.param_groups:
            g['lr'] = lr_at(s)
        x1, x2, t1, t2, perm = b['x1'], b['x2'], b['t1'], b['t2'], b['perm']
        q = F.normalize(student(x1), dim=1)
        qk = F.normalize(student(x2), dim=1) if mode != 'mocov2' else None
        if mode == 'seed':
            losses = []
            for sv, tv in ((q, t1), (qk, t2)):
                logit_stu = torch.cat([(sv * tv).sum(1, keepdim=True), sv @ queue.clone().detach()], 1) / TS
                logit_tea = F.softmax(torch.cat([(tv * tv).sum(1, keepdim=True), tv @ queue.clone().detach()], 1) / TT, dim=1)
                losses.append(-(logit_tea * F.log_softmax(logit_stu, 1)).sum() / logit_stu.shape[0])
            loss = (losses[0] + losses[1]) / 2
            fx.scalar(f'step{s}.seed', loss.item())
            keys = torch.cat([t1, t2])
        else:
            with torch.no_grad():
                for pq, pk in zip(student.parameters(), key.parameters()):
                    pk.data = pk.data * M + pq.data * (1. - M)
                k = ghost_key_forward(key, x2, perm)
            l_pos = torch.einsum('nc,nc->n', [q, k]).unsqueeze(-1)
            l_neg = torch.einsum('nc,ck->nk', [q, queue.clone().detach()])
            logits = torch.cat([l_pos, l_neg], dim=1) / T
            ce = nn.CrossEntropyLoss()(logits, torch.zeros(N, dtype=torch.long))
            fx.tensor(f'step{s}.logits', logits)
            fx.scalar(f'step{s}.contrastive', ce.item())
            keys = k
            if mode == 'mocov2':
                loss = ce
            else:
                mse = nn.MSELoss(reduction='sum')
                mse_loss, mse_loss_qk = mse(t1, q), mse(t2, qk)
                fx.scalar(f'step{s}.distill1', mse_loss.item())
                fx.scalar(f'step{s}.distill2', mse_loss_qk.item())
                loss = (1.0 if mode == 'disco' else 0.0) * ce + 1.0 * mse_loss + 1.0 * mse_loss_qk
        # _dequeue_and_enqueue (before backward, as in the builder's forward)
        with torch.no_grad():
            bs = keys.shape[0]
            assert K % bs == 0
            queue[:, ptr:ptr + bs] = keys.T
            ptr = (ptr + bs) % K
        fx.tensor(f'step{s}.queue', queue.t())
        fx.scalar(f'step{s}.queuePtr', ptr)
        fx.scalar(f'step{s}.loss', loss.item())
        fx.scalar(f'step{s}.lr', lr_at(s))
        opt.zero_grad()
        loss.backward()
        for name, p in student.named_parameters():
            if name.startswith('fc.'):
                fx.tensor(f'step{s}.grad.{name}', ours(name, p.grad))
        opt.step()
        if s + 1 < len(batches):
            round_state(student, key, opt, queue)
            write_state(f'step{s}.state.', mode, student, key, opt, fx)
    write_state('final.', mode, student, key, opt, fx)


def round_state(student, key, opt, queue):
    """Rounds the whole training state to float32 in place: what the next step starts from, here
    and in the TS test, which restores the recorded state."""
    with torch.no_grad():
        for t in [*state_of(student).values(), *state_of(key).values(), queue]:
            t.copy_(f32(t))
        for p in student.parameters():
            buf = opt.state[p]['momentum_buffer']
            buf.copy_(f32(buf))


def write_state(prefix, mode, student, key, opt, fx):
    """The training state under `prefix`, with the names of our state (no queue: per step)."""
    for name, v in state_of(student).items():
        fx.tensor(f'{prefix}student.{name}', ours(name, v))
    if mode != 'seed':
        for name, v in state_of(key).items():
            fx.tensor(f'{prefix}key.{name}', ours(name, v))
    for name, p in student.named_parameters():
        fx.tensor(f'{prefix}sgd.momentum.{name}', ours(name, opt.state[p]['momentum_buffer']))


def main():
    torch.set_default_dtype(torch.float64)
    gen = torch.Generator().manual_seed(20240605)
    torch.manual_seed(20240605)
    os.makedirs(OUT, exist_ok=True)
    student, key = Encoder(), Encoder()
    randomise(student, gen)
    randomise(key, gen, perturb_from=student)
    queue = f32(F.normalize(torch.randn(D, K, generator=gen), dim=0))
    batches = []
    for _ in range(STEPS):
        batches.append({
            'x1': f32(torch.randn(N, SIZE, SIZE, 3, generator=gen)),
            'x2': f32(torch.randn(N, SIZE, SIZE, 3, generator=gen)),
            't1': f32(F.normalize(torch.randn(N, D, generator=gen), dim=1)),
            't2': f32(F.normalize(torch.randn(N, D, generator=gen), dim=1)),
            'perm': torch.randperm(N, generator=gen),
        })
    start_ptr = {'mocov2': 24, 'disco': 24, 'mse-only': 24, 'seed': 16}
    meta = {'N': N, 'size': SIZE, 'baseWidth': WIDTH, 'headHidden': HIDDEN, 'embedDim': D, 'K': K,
            'ghostBatchSize': GHOST, 'T': T, 'm': M, 'seedTs': TS, 'seedTt': TT, 'momentum': MOMENTUM,
            'weightDecay': WD, 'baseLr': BASE_LR, 'epochs': EPOCHS, 'steps': STEPS, 'startPtr': start_ptr,
            'torch': torch.__version__}

    fx = Fixture()
    for name, v in state_of(student).items():
        fx.tensor(f'student.{name}', ours(name, v))
    for name, v in state_of(key).items():
        fx.tensor(f'key.{name}', ours(name, v))
    fx.tensor('queue', queue.t())
    for s, b in enumerate(batches):
        for k in ('x1', 'x2', 't1', 't2'):
            fx.tensor(f'step{s}.{k}', b[k])
        fx.tensor(f'step{s}.perm', b['perm'], dtype='int32')
    fx.write('inputs', meta)

    for mode in ('mocov2', 'disco', 'mse-only', 'seed'):
        s_copy, k_copy = Encoder(), Encoder()
        s_copy.load_state_dict(student.state_dict())
        k_copy.load_state_dict(key.state_dict())
        fx = Fixture()
        run(mode, s_copy, k_copy, queue.clone(), start_ptr[mode], batches, fx)
        fx.write(f'expected_{mode}', {'mode': mode})
        print(mode, {k: round(v, 6) for k, v in fx.scalars.items() if not k.endswith('lr')})


if __name__ == '__main__':
    main()
