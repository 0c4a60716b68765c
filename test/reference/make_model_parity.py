#!/usr/bin/python3
"""Parity fixtures for disco's model zoo and weight import (libs/models/test/parity_*.test.ts).

Run from the repository root with Debian's PyTorch 1.13 / torchvision 0.14:
    /usr/bin/python3 test/reference/make_model_parity.py

For each architecture it builds a small-width torchvision model, MoCo-v2 style (torchvision
backbone + `fc = Sequential(Linear(feat, hidden), ReLU, Linear(hidden, dim))`), gives it seeded
random weights *and* random BatchNorm running statistics (calibrated on a random batch, then
perturbed, so eval-mode BN is really exercised), and writes to test/fixtures/models/:
  <arch>.pth               MoCo-v2 release shape: {epoch, arch, state_dict: {module.encoder_q.*,
                           module.queue, module.queue_ptr}, optimizer}; for resnet18-cifar also
                           module.encoder_k.* (different values) and SGD momentum buffers;
                           resnet18.legacy.pth: the same in the pre-1.6 (non-zip) format
  <arch>.safetensors       the torchvision-style state dict (backbone names, fc.0/fc.2 head; the
                           unused torchvision classifier of MobileNet/EfficientNet kept)
  <arch>.expected.safetensors  input [N,3,H,W] and eval-mode outputs `features` [N,F] and
                           `embedding` [N,dim], computed in float64 from the float32 weights
  io_cases.{pth,deflate.pth,legacy.pth,safetensors,json}  reader edge cases: dtypes,
                           strides, shared storages, scalars; deflated zip entries; legacy format
  parity.json              the list the tests loop over
Every file is the same on every run except the legacy ones (torch names their storages by
memory address).
"""
import collections
import copy
import json
import math
import os
import sys
import zipfile

import torch
import torchvision
from torch import nn
from torchvision.models import mobilenet_v3_large
from torchvision.models import resnet as tvr
from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models_safetensors import write_safetensors  # noqa: E402

OUT = os.path.join("test", "fixtures", "models")
HIDDEN, DIM, BATCH, QUEUE = 32, 16, 2, 64
ARCHS = [
    # registry name, family, disco width multiplier, torch constructor argument, input px
    ("resnet18-cifar", "resnet", 4 / 64, dict(depth=18, stem="cifar", base=4), 32),
    ("resnet18", "resnet", 4 / 64, dict(depth=18, stem="imagenet", base=4), 40),
    ("resnet50", "resnet", 4 / 64, dict(depth=50, stem="imagenet", base=4), 40),
    ("mobilenetv3-large", "mobilenetv3", 0.05, dict(width_mult=0.05), 40),
    ("efficientnet-b0", "efficientnet", 0.05, dict(width_mult=0.05), 40),
]


class SmallResNet(tvr.ResNet):
    """torchvision's ResNet with `base` stem/first-stage channels instead of 64 (its own blocks
    and `_make_layer`), optionally with the CIFAR stem (3×3/1 conv, no max-pool)."""

    def __init__(self, depth, stem, base, num_classes=10):
        nn.Module.__init__(self)
        block, layers = {18: (tvr.BasicBlock, [2, 2, 2, 2]), 50: (tvr.Bottleneck, [3, 4, 6, 3])}[depth]
        self._norm_layer, self.inplanes, self.dilation, self.groups, self.base_width = nn.BatchNorm2d, base, 1, 1, 64
        if stem == "cifar":
            self.conv1 = nn.Conv2d(3, base, 3, 1, 1, bias=False)
            self.maxpool = nn.Identity()
        else:
            self.conv1 = nn.Conv2d(3, base, 7, 2, 3, bias=False)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.bn1 = nn.BatchNorm2d(base)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(block, base, layers[0])
        self.layer2 = self._make_layer(block, base * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(block, base * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(block, base * 8, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(base * 8 * block.expansion, num_classes)

    def features(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(self.avgpool(x), 1)


class TorchvisionEncoder(nn.Module):
    """MobileNet-v3 / EfficientNet with a MoCo head `fc` on the pooled features; the torchvision
    classifier stays (its 960→1280 layer is part of MobileNet's 1280-d features)."""

    def __init__(self, tv, family):
        super().__init__()
        self.family = family
        self.features, self.avgpool, self.classifier = tv.features, tv.avgpool, tv.classifier

    def features_of(self, x):
        f = torch.flatten(self.avgpool(self.features(x)), 1)
        return self.classifier[1](self.classifier[0](f)) if self.family == "mobilenetv3" else f


def head(feat):
    return nn.Sequential(nn.Linear(feat, HIDDEN), nn.ReLU(inplace=True), nn.Linear(HIDDEN, DIM))


def build(family, args):
    """Returns (encoder, features_fn, unused classifier key prefix or None)."""
    if family == "resnet":
        m = SmallResNet(**args)
        m.fc = head(m.fc.in_features)
        return m, m.features, None
    if family == "mobilenetv3":
        tv = mobilenet_v3_large(num_classes=10, **args)
        enc = TorchvisionEncoder(tv, family)
        enc.fc = head(tv.classifier[0].out_features)
        return enc, enc.features_of, "classifier.3."
    setting, last = _efficientnet_conf("efficientnet_b0", depth_mult=1.0, **args)
    tv = EfficientNet(setting, 0.2, last_channel=last, num_classes=10)
    enc = TorchvisionEncoder(tv, family)
    enc.fc = head(tv.classifier[1].in_features)
    return enc, enc.features_of, "classifier.1."


@torch.no_grad()
def randomise(model, size, g):
    """Seeded random weights, then BN running stats from a random calibration batch, perturbed."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    bn_params = {id(p) for m in bns for p in (m.weight, m.bias)}
    for p in model.parameters():
        if id(p) in bn_params:
            continue
        if p.dim() > 1:
            p.copy_(torch.randn(p.shape, generator=g) * math.sqrt(2.0 / p[0].numel()))
        else:
            p.copy_(torch.randn(p.shape, generator=g) * 0.1)
    for m in bns:
        m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 0.6 + 0.4)
        m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.2)
    for m in model.modules():  # damp residual branches so the residual stream stays O(1)
        if isinstance(m, (tvr.BasicBlock, tvr.Bottleneck)):
            (m.bn2 if isinstance(m, tvr.BasicBlock) else m.bn3).weight.mul_(0.5)
    saved = [m.momentum for m in bns]
    for m in bns:
        m.momentum = 1.0
    model.train()
    calibrate = model.features_of if isinstance(model, TorchvisionEncoder) else model.features
    calibrate(torch.randn(8, 3, size, size, generator=g))
    for m, mom in zip(bns, saved):
        m.momentum = mom
        m.running_var.clamp_(min=0.1)  # near-dead channels would amplify float32 rounding
        m.running_var.mul_(torch.rand(m.running_var.shape, generator=g) * 1.0 + 0.6)
        m.running_mean.add_(torch.randn(m.running_mean.shape, generator=g) * 0.2 * m.running_var.sqrt())
        m.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=g)))
    model.eval()


def moco_checkpoint(name, sd, unused, g, full):
    """The MoCo-v2 release layout; `full` adds encoder_k and SGD momentum buffers."""
    q = collections.OrderedDict((f"module.encoder_q.{k}", v) for k, v in sd.items() if not (unused and k.startswith(unused)))
    state = collections.OrderedDict(q)
    if full:
        for k, v in sd.items():
            if not (unused and k.startswith(unused)):
                noise = torch.randn(v.shape, generator=g) * 0.01 if v.is_floating_point() else 0
                state[f"module.encoder_k.{k}"] = v + noise
    queue = nn.functional.normalize(torch.randn(DIM, QUEUE, generator=g), dim=0)
    state["module.queue"] = queue
    state["module.queue_ptr"] = torch.zeros(1, dtype=torch.long)
    params = [nn.Parameter(v.clone()) for k, v in q.items() if v.is_floating_point() and "running" not in k]
    opt = torch.optim.SGD(params, lr=0.03, momentum=0.9, weight_decay=1e-4)
    if full:
        for p in params:
            p.grad = torch.randn(p.shape, generator=g)
        opt.step()
    return {"epoch": 200, "arch": name, "state_dict": state, "optimizer": opt.state_dict()}


def make_arch(name, family, width, args, size, seed):
    g = torch.Generator().manual_seed(seed)
    model, features, unused = build(family, args)
    randomise(model, size, g)
    sd = collections.OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
    x = torch.randn(BATCH, 3, size, size, generator=g)
    ref = copy.deepcopy(model).double().eval()
    with torch.no_grad():
        f64 = features.__func__(ref, x.double())  # the same method, on the float64 copy
        emb = ref.fc(f64)
    meta = {"arch": name, "width": width, "made_by": "test/reference/make_model_parity.py", "torch": torch.__version__}
    write_safetensors(os.path.join(OUT, f"{name}.safetensors"), sd, meta)
    write_safetensors(
        os.path.join(OUT, f"{name}.expected.safetensors"),
        collections.OrderedDict(input=x, features=f64.float(), embedding=emb.float()),
        meta,
    )
    full = name == "resnet18-cifar"
    checkpoint = moco_checkpoint(name, sd, unused, g, full)
    torch.save(checkpoint, os.path.join(OUT, f"{name}.pth"))
    if name == "resnet18":  # the pre-1.6 format that older releases may use
        torch.save(checkpoint, os.path.join(OUT, f"{name}.legacy.pth"), _use_new_zipfile_serialization=False)
    print(f"{name}: {sum(v.numel() for v in sd.values())} values, features {tuple(f64.shape)}, |f|max {f64.abs().max():.3f}")
    return {"arch": name, "family": family, "width": width, "headHidden": HIDDEN, "embedDim": DIM, "inputSize": size}


def make_io_cases():
    """Edge cases for the readers; expected values in io_cases.json."""
    g = torch.Generator().manual_seed(7)
    base = torch.randn(4, 6, generator=g)
    shared = torch.arange(12, dtype=torch.float32)
    cases = collections.OrderedDict(
        f32=torch.randn(2, 3, generator=g),
        f64=torch.randn(3, generator=g).double(),
        f16=torch.randn(5, generator=g).half(),
        bf16=torch.randn(5, generator=g).bfloat16(),
        i64=torch.tensor([-3, 0, 2**40], dtype=torch.int64),
        i32=torch.tensor([-7, 7], dtype=torch.int32),
        u8=torch.tensor([0, 255], dtype=torch.uint8),
        flag=torch.tensor([True, False, True]),
        scalar=torch.tensor(2.5),
        empty=torch.zeros(0, 3),
        transposed=base.t(),  # non-contiguous: stride (1, 6)
        sliced=base[1:3, ::2],  # offset 6, stride (6, 2)
        view_a=shared[2:6],  # two views of one storage
        view_b=shared[4:12].view(2, 4),
    )
    torch.save(cases, os.path.join(OUT, "io_cases.pth"))
    # Legacy (pre-1.6) format, wrapped like a release checkpoint.
    opt = {"state": {0: {"momentum_buffer": torch.ones(3)}}, "param_groups": [{"lr": 0.03, "params": [0]}]}
    legacy = {"epoch": 3, "arch": "io_cases", "state_dict": cases, "optimizer": opt}
    torch.save(legacy, os.path.join(OUT, "io_cases.legacy.pth"), _use_new_zipfile_serialization=False)
    # The same checkpoint with deflated zip entries (torch writes stored ones; zip tools deflate).
    with zipfile.ZipFile(os.path.join(OUT, "io_cases.pth")) as src:
        with zipfile.ZipFile(os.path.join(OUT, "io_cases.deflate.pth"), "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():  # fixed timestamps: the same bytes on every run
                dst.writestr(zipfile.ZipInfo(info.filename, (2020, 1, 1, 0, 0, 0)), src.read(info.filename), zipfile.ZIP_DEFLATED)
    write_safetensors(os.path.join(OUT, "io_cases.safetensors"), cases, {"made_by": "test/reference/make_model_parity.py"})
    expected = {k: {"shape": list(v.shape), "values": v.double().reshape(-1).tolist()} for k, v in cases.items()}
    expected["i64"]["values"] = [int(v) for v in cases["i64"].tolist()]
    with open(os.path.join(OUT, "io_cases.json"), "w") as f:
        json.dump(expected, f, indent=1)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    entries = [make_arch(*a, seed=100 + i) for i, a in enumerate(ARCHS)]
    make_io_cases()
    with open(os.path.join(OUT, "parity.json"), "w") as f:
        json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__, "batch": BATCH, "queue": QUEUE, "archs": entries}, f, indent=1)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"fixtures: {total / 1e6:.2f} MB in {OUT}")


if __name__ == "__main__":
    main()
