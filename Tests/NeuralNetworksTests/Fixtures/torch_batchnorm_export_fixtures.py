"""PyTorch reference values for BatchNorm (training and evaluation) and for PyTorch-layout export.

Writes, beside this script:
- torch_batchnorm_export_fixtures.json: BatchNorm1d on [6, 3] and [5, 3, 4] and BatchNorm2d on
  [4, 3, 5, 5], with seeded gamma/beta: two training steps (the output and the gradients of
  L = sum(y * r) w.r.t. x, gamma and beta at each step), the running statistics after them, and
  the evaluation output on a third input. Also the state_dict keys, shapes and values of the
  nn.Sequential written to torch_sequential.safetensors, its input and its evaluation output.
- torch_sequential.safetensors: that nn.Sequential's state_dict in the safetensors format, written
  by hand here (8-byte little-endian header length, JSON header, raw little-endian float64 data;
  num_batches_tracked int64, as PyTorch keeps it),
  as safetensors.torch.save_file would write it.

    python torch_batchnorm_export_fixtures.py

CI has no Python: the outputs are committed; BatchNormFixtureTests.swift and
PyTorchExportTests.swift compare with them (relative error <= 1e-10).
"""
import json
import os
import struct

import torch
import torch.nn as nn

torch.manual_seed(20261203)
torch.set_default_dtype(torch.float64)
here = os.path.dirname(os.path.abspath(__file__))


def flat(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


def batchnorm_case(name, shape, module):
    c = shape[1]
    with torch.no_grad():
        module.weight.copy_(torch.rand(c) + 0.5)
        module.bias.copy_(torch.rand(c) - 0.5)
    entry = {"name": name, "shape": list(shape), "weight": flat(module.weight), "bias": flat(module.bias), "steps": []}
    module.train()
    for _ in range(2):
        x = (torch.rand(shape) * 4 - 1).requires_grad_()
        module.zero_grad()
        y = module(x)
        r = torch.rand(y.shape) * 2 - 1
        (y * r).sum().backward()
        entry["steps"].append({"x": flat(x), "r": flat(r), "y": flat(y), "gx": flat(x.grad),
                               "gweight": flat(module.weight.grad), "gbias": flat(module.bias.grad)})
    entry["running_mean"] = flat(module.running_mean)
    entry["running_var"] = flat(module.running_var)
    module.eval()
    x = torch.rand(shape) * 4 - 1
    entry["eval_x"], entry["eval_y"] = flat(x), flat(module(x))
    return entry


cases = [
    batchnorm_case("BatchNorm1d [6, 3]", [6, 3], nn.BatchNorm1d(3)),
    batchnorm_case("BatchNorm1d [5, 3, 4]", [5, 3, 4], nn.BatchNorm1d(3)),
    batchnorm_case("BatchNorm2d [4, 3, 5, 5]", [4, 3, 5, 5], nn.BatchNorm2d(3)),
]

# The network PyTorchExportTests.swift rebuilds: conv -> relu -> flatten -> linear -> relu -> linear -> batchnorm.
net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 3 * 3, 5), nn.ReLU(),
                    nn.Linear(5, 4), nn.BatchNorm1d(4))
net.train()
for _ in range(3):  # move the running statistics off their initial values
    net(torch.rand(8, 1, 5, 5))
net.eval()
x = torch.rand(3, 1, 5, 5)
state = net.state_dict()
sequential = {"keys": list(state.keys()), "tensors": {k: flat(v.to(torch.float64)) for k, v in state.items()},
              "x": flat(x), "y": flat(net(x))}

with open(os.path.join(here, "torch_batchnorm_export_fixtures.json"), "w") as f:
    json.dump({"batchnorm": cases, "sequential": sequential}, f)

header, blobs, offset = {}, [], 0
for k, v in state.items():  # float64, except num_batches_tracked: int64, as torch keeps it
    dtype, code = ("I64", "<i8") if v.dtype == torch.int64 else ("F64", "<f8")
    data = v.contiguous().numpy().astype(code).tobytes()
    header[k] = {"dtype": dtype, "shape": list(v.shape), "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
header["__metadata__"] = {"format": "pt"}
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open(os.path.join(here, "torch_sequential.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
