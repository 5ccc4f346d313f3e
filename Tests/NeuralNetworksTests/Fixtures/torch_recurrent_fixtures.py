"""PyTorch reference values for the recurrent layers and cells.

Writes torch_recurrent_fixtures.json beside this script: for each case, in float64 with fixed
seeds, the module's state_dict (names in order, shapes, values), the input x and initial state,
the forward outputs (output sequence, h_n, c_n; or the cell's h', c') and the gradients of

    L = sum(output * r) + sum(h_n * r_h) + sum(c_n * r_c)      (r, r_h, r_c fixed, seeded)

with respect to x, the initial state and every parameter. Run it from anywhere:

    python torch_recurrent_fixtures.py

CI has no Python: the JSON is committed, and RecurrentLayersTests.swift compares with it.
"""
import json
import os

import torch
import torch.nn as nn

torch.manual_seed(20261203)
torch.set_default_dtype(torch.float64)


def flat(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


def case(name, kind, input_size=3, hidden=4, layers=1, bias=True, nonlinearity="tanh", batch=2, steps=5,
         initial_state=True):
    is_cell = kind.endswith("Cell")
    if kind == "RNN":
        module = nn.RNN(input_size, hidden, num_layers=layers, nonlinearity=nonlinearity, bias=bias, batch_first=True)
    elif kind == "LSTM":
        module = nn.LSTM(input_size, hidden, num_layers=layers, bias=bias, batch_first=True)
    elif kind == "GRU":
        module = nn.GRU(input_size, hidden, num_layers=layers, bias=bias, batch_first=True)
    elif kind == "RNNCell":
        module = nn.RNNCell(input_size, hidden, bias=bias, nonlinearity=nonlinearity)
    elif kind == "LSTMCell":
        module = nn.LSTMCell(input_size, hidden, bias=bias)
    else:
        module = nn.GRUCell(input_size, hidden, bias=bias)
    x = torch.randn([batch, input_size] if is_cell else [batch, steps, input_size]).requires_grad_()
    state_shape = [batch, hidden] if is_cell else [layers, batch, hidden]
    lstm = kind.startswith("LSTM")
    h0 = torch.randn(state_shape).requires_grad_() if initial_state else None
    c0 = torch.randn(state_shape).requires_grad_() if initial_state and lstm else None
    entry = {"name": name, "kind": kind, "inputSize": input_size, "hidden": hidden, "layers": layers, "bias": bias,
             "nonlinearity": nonlinearity, "x": flat(x)}
    if h0 is not None:
        entry["h0"] = flat(h0)
    if c0 is not None:
        entry["c0"] = flat(c0)
    if is_cell:
        state = None if h0 is None else ((h0, c0) if lstm else h0)
        result = module(x, state)
        h, c = result if lstm else (result, None)
        out = None
    else:
        state = None if h0 is None else ((h0, c0) if lstm else h0)
        out, hn = module(x, state)
        h, c = hn if lstm else (hn, None)
    loss = torch.zeros(())
    if out is not None:
        r = torch.randn(out.shape)
        entry["output"], entry["r"] = flat(out), flat(r)
        loss = loss + (out * r).sum()
    rh = torch.randn(h.shape)
    entry["h"], entry["rh"] = flat(h), flat(rh)
    loss = loss + (h * rh).sum()
    if c is not None:
        rc = torch.randn(c.shape)
        entry["c"], entry["rc"] = flat(c), flat(rc)
        loss = loss + (c * rc).sum()
    loss.backward()
    entry["loss"] = loss.item()
    entry["gx"] = flat(x.grad)
    if h0 is not None:
        entry["gh0"] = flat(h0.grad)
    if c0 is not None:
        entry["gc0"] = flat(c0.grad)
    sd = module.state_dict()
    entry["stateDictKeys"] = list(sd.keys())
    entry["stateDict"] = {k: flat(v) for k, v in sd.items()}
    entry["gradients"] = {k: flat(p.grad) for k, p in module.named_parameters()}
    return entry


cases = [
    case("RNN tanh, 1 layer, initial state", "RNN"),
    case("RNN relu, 2 layers, zero state", "RNN", layers=2, nonlinearity="relu", initial_state=False),
    case("LSTM, 1 layer, initial state", "LSTM"),
    case("LSTM, 2 layers, initial state", "LSTM", layers=2, batch=3, steps=4, input_size=5, hidden=3),
    case("LSTM, 2 layers, no bias, zero state", "LSTM", layers=2, bias=False, initial_state=False),
    case("GRU, 1 layer, initial state", "GRU"),
    case("GRU, 2 layers, initial state", "GRU", layers=2, steps=3),
    case("RNNCell tanh, state", "RNNCell"),
    case("RNNCell relu, zero state", "RNNCell", nonlinearity="relu", initial_state=False),
    case("LSTMCell, state", "LSTMCell"),
    case("GRUCell, state", "GRUCell"),
    case("GRUCell, no bias, zero state", "GRUCell", bias=False, initial_state=False),
]

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_recurrent_fixtures.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "loss": "sum(output * r) + sum(h * rh) + sum(c * rc)", "cases": cases}, f,
              indent=None)
    f.write("\n")
print("wrote", path, len(cases), "cases")
