"""PyTorch reference values for conv2d, conv_transpose2d, max_pool2d and avg_pool2d.

Writes torch_conv_fixtures.json beside this script: for each case, the inputs (seeded), the
forward output y and the gradients of L = sum(y * r) (r fixed, seeded) with respect to the
input, the weight and the bias, all in float64. Run it from anywhere:

    python torch_conv_fixtures.py

CI has no Python: the JSON is committed, and ConvolutionFixtureTests.swift compares with it.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261202)
torch.set_default_dtype(torch.float64)


def flat(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


def case(name, op, params, x_shape, w_shape=None, bias=False):
    x = (torch.rand(x_shape) * 2 - 1).requires_grad_()
    w = (torch.rand(w_shape) * 2 - 1).requires_grad_() if w_shape else None
    out_channels = None
    if w is not None:
        out_channels = w_shape[0] if op == "conv2d" else w_shape[1] * params.get("groups", 1)
    b = (torch.rand([out_channels]) * 2 - 1).requires_grad_() if bias else None
    if op == "conv2d":
        y = F.conv2d(x, w, b, stride=params["stride"], padding=params["padding"], dilation=params["dilation"],
                     groups=params["groups"])
    elif op == "conv2dTranspose":
        y = F.conv_transpose2d(x, w, b, stride=params["stride"], padding=params["padding"],
                               output_padding=params["outputPadding"], groups=params["groups"],
                               dilation=params["dilation"])
    elif op == "maxPool2d":
        y = F.max_pool2d(x, params["kernel"], stride=params["stride"], padding=params["padding"])
    elif op == "avgPool2d":
        y = F.avg_pool2d(x, params["kernel"], stride=params["stride"], padding=params["padding"], count_include_pad=True)
    r = torch.rand(y.shape) * 2 - 1
    (y * r).sum().backward()
    params = {k: ([v] if isinstance(v, int) else v) for k, v in params.items()}  # groups as [g]: every field a list
    entry = {"name": name, "op": op, "params": params, "x": flat(x), "r": flat(r), "y": flat(y), "gx": flat(x.grad)}
    if w is not None:
        entry["w"], entry["gw"] = flat(w), flat(w.grad)
    if b is not None:
        entry["b"], entry["gb"] = flat(b), flat(b.grad)
    return entry


cases = [
    case("conv2d groups 2, dilation 2, stride 2, padding [1, 2], bias", "conv2d",
         {"stride": [2, 2], "padding": [1, 2], "dilation": [2, 2], "groups": 2}, [2, 4, 7, 6], [6, 2, 3, 2], bias=True),
    case("conv2d padding same, dilation [1, 2], bias", "conv2d",
         {"stride": [1, 1], "padding": "same", "dilation": [1, 2], "groups": 1}, [1, 3, 5, 6], [4, 3, 2, 3], bias=True),
    case("conv2d stride [3, 1], groups 3 (depthwise)", "conv2d",
         {"stride": [3, 1], "padding": [0, 1], "dilation": [1, 1], "groups": 3}, [2, 3, 8, 5], [3, 1, 3, 3]),
    case("conv2dTranspose groups 2, stride [2, 3], padding [1, 0], output padding [1, 2], dilation [1, 2], bias",
         "conv2dTranspose",
         {"stride": [2, 3], "padding": [1, 0], "outputPadding": [1, 2], "dilation": [1, 2], "groups": 2},
         [2, 4, 3, 4], [4, 3, 3, 2], bias=True),
    case("maxPool2d 3×3, stride 2, padding 1", "maxPool2d",
         {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1]}, [2, 3, 7, 6]),
    case("avgPool2d [3, 2], stride [2, 1], padding 1 (count_include_pad)", "avgPool2d",
         {"kernel": [3, 2], "stride": [2, 1], "padding": [1, 1]}, [2, 3, 7, 6]),
]

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_conv_fixtures.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "loss": "sum(y * r)", "cases": cases}, f, indent=None)
    f.write("\n")
print("wrote", path, len(cases), "cases")
