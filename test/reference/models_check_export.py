#!/usr/bin/python3
"""Checks that a backbone exported by disco (`exportBackbone(…, 'safetensors')`) loads into the
torchvision model with `load_state_dict(strict=True)` and reproduces PyTorch's features.

    /usr/bin/python3 test/reference/models_check_export.py <exported.safetensors> <arch>

<arch> is one of test/fixtures/models/parity.json (same width); the features are compared with
<arch>.expected.safetensors. Prints the max abs difference; exits 1 above 1e-4."""
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_model_parity as parity  # noqa: E402
from models_safetensors import read_safetensors  # noqa: E402


def main(path, arch):
    (name, family, _width, args, _size), = [a for a in parity.ARCHS if a[0] == arch]
    model, features, _ = parity.build(family, args)
    if family == "resnet":
        model.fc = nn.Identity()
    else:
        del model.fc
        model.classifier = nn.Sequential(*model.classifier[:2]) if family == "mobilenetv3" else nn.Identity()
    state, metadata = read_safetensors(path)
    model.load_state_dict(state, strict=True)
    model.eval()
    expected, _ = read_safetensors(os.path.join(parity.OUT, f"{name}.expected.safetensors"))
    with torch.no_grad():
        diff = (features(expected["input"]) - expected["features"]).abs().max().item()
    print(f"{path}: strict load OK ({len(state)} tensors, metadata {metadata}); max|Δfeatures| {diff:.2e}")
    return 0 if diff <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
