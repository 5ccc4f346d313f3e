"""PyTorch reference values for Embedding, LayerNorm, MultiheadAttention and TransformerEncoderLayer.

Writes torch_attention_fixtures.json beside this script: for each case the module's
state_dict (torch's names, shapes and layouts), the inputs (seeded), the forward output y,
and the gradients of L = sum(y * r) (r fixed, seeded) with respect to the float inputs and
every parameter, all in float64. Run it from anywhere:

    python torch_attention_fixtures.py

CI has no Python: the JSON is committed, and AttentionFixtureTests.swift compares with it.
"""
import json
import os

import torch
import torch.nn as nn

torch.manual_seed(20261203)
torch.set_default_dtype(torch.float64)


def flat(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


def randomize(module):
    """Every parameter drawn uniform in ±1 (so no bias or gain is a trivial 0 or 1)."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.rand(p.shape) * 2 - 1)


def finish(name, kind, config, module, inputs, y, extra=None):
    """Backpropagates sum(y * r) and records everything."""
    r = torch.rand(y.shape) * 2 - 1
    (y * r).sum().backward()
    entry = {
        "name": name, "kind": kind, "config": config,
        "state_dict": {k: flat(v) for k, v in module.state_dict().items()},
        "state_dict_keys": list(module.state_dict().keys()),
        "inputs": {k: flat(v) for k, v in inputs.items()},
        "input_gradients": {k: flat(v.grad) for k, v in inputs.items() if v.grad is not None},
        "parameter_gradients": {k: flat(p.grad) for k, p in module.named_parameters()},
        "r": flat(r), "y": flat(y),
    }
    entry.update(extra or {})
    return entry


cases = []

# Embedding: 10 × 4 table, indices [2, 3] with a repeat (its gradient rows add up).
emb = nn.Embedding(10, 4)
indices = torch.tensor([[3, 0, 9], [3, 7, 1]])
cases.append(finish("embedding 10×4, indices [2, 3] with a repeat", "embedding", {"count": 10, "dim": 4}, emb, {},
                    emb(indices), {"indices": {"shape": list(indices.shape), "data": indices.reshape(-1).tolist()}}))

# LayerNorm over the last axis and over the last two.
for shape in ([4], [3, 4]):
    ln = nn.LayerNorm(shape)
    randomize(ln)
    x = (torch.randn(2, 3, 4) * 2 + 0.5).requires_grad_()
    cases.append(finish(f"layer norm over {shape}", "layernorm", {"normalized_shape": shape}, ln, {"x": x}, ln(x)))

# MultiheadAttention, batch_first: self-attention without and with masks, cross-attention.
E, H, B = 8, 2, 2


def mha_case(name, T, S, cross, causal, padding):
    mha = nn.MultiheadAttention(E, H, batch_first=True)
    randomize(mha)
    q = torch.randn(B, T, E).requires_grad_()
    if cross:
        k, v = torch.randn(B, S, E).requires_grad_(), torch.randn(B, S, E).requires_grad_()
        inputs = {"query": q, "key": k, "value": v}
    else:
        k = v = q
        inputs = {"query": q}
    attn_mask = torch.triu(torch.ones(T, S, dtype=torch.bool), 1) if causal else None
    pad = None
    if padding:
        pad = torch.zeros(B, S, dtype=torch.bool)
        pad[0, -1] = True
        pad[1, -2:] = True
        if padding == "full":
            pad[1, :] = True  # every key of example 1 masked: torch's SDPA gives all-zero weights
    y, _ = mha(q, k, v, key_padding_mask=pad, attn_mask=attn_mask, need_weights=False)
    config = {"embed_dim": E, "num_heads": H, "cross": cross, "causal": causal}
    extra = {}
    if pad is not None:
        extra["key_padding_mask"] = flat(pad.to(torch.float64))
    cases.append(finish(name, "mha", config, mha, inputs, y, extra))


mha_case("self-attention, no mask", 4, 4, False, False, False)
mha_case("self-attention, causal mask", 4, 4, False, True, False)
mha_case("self-attention, key padding mask", 4, 4, False, False, True)
mha_case("self-attention, causal and key padding masks", 4, 4, False, True, True)
mha_case("cross-attention T=3, S=5, key padding mask", 3, 5, True, False, True)
mha_case("self-attention, every key of one example masked", 4, 4, False, False, "full")

# TransformerEncoderLayer, batch_first, norm_first (pre-norm), dropout 0.
for activation in ("relu", "gelu"):
    layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=16, dropout=0.0, activation=activation,
                                       batch_first=True, norm_first=True)
    randomize(layer)
    x = torch.randn(B, 5, E).requires_grad_()
    cases.append(finish(f"encoder layer, pre-norm, {activation}", "encoder",
                        {"d_model": E, "nhead": H, "dim_feedforward": 16, "activation": activation},
                        layer, {"x": x}, layer(x)))

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_attention_fixtures.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {path}")
