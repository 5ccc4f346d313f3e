#!/usr/bin/env python3
"""Golden .npy and .safetensors files for NPYTests.swift and SafetensorsTests.swift.

Run from anywhere: python3 make_tensor_file_fixtures.py  (needs NumPy; written with 2.4).
The .npy files come from NumPy itself (np.save, or numpy.lib.format.write_array for the
versions and byte orders np.save does not choose). The safetensors package is not needed:
its files are built here by hand with json + struct, following the format's specification
(https://github.com/huggingface/safetensors#format) and the reference writer's layout:
compact JSON, "__metadata__" first, tensors sorted by name, header padded with spaces to a
multiple of 8 bytes.

Element values: element i of an n-element fixture is (i - n // 2) * 0.25 (exact in both
float32 and float64), so the Swift tests can recompute them. The "special" fixtures hold
the values listed in SPECIAL.
"""
import json
import os
import struct

import numpy as np
from numpy.lib import format as npformat

HERE = os.path.dirname(os.path.abspath(__file__))
SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0 / 3.0, 1e-300, -2.5]


def ramp(shape, dtype):
    n = int(np.prod(shape, dtype=np.int64))
    return ((np.arange(n) - n // 2) * 0.25).astype(dtype).reshape(shape)


def save(name, array):
    np.save(os.path.join(HERE, name), array)


def write_with(name, array, version):
    with open(os.path.join(HERE, name), "wb") as f:
        npformat.write_array(f, array, version=version)


# np.save output (format 1.0, little-endian, C order): ranks 0-4, empty, special values.
save("f4_rank0.npy", np.array(1.5, dtype="<f4"))
save("f4_rank1.npy", ramp((5,), "<f4"))
save("f8_rank2.npy", ramp((2, 3), "<f8"))
save("f4_rank3.npy", ramp((2, 3, 4), "<f4"))
save("f8_rank4.npy", ramp((2, 1, 3, 2), "<f8"))
save("f4_empty.npy", ramp((0, 3), "<f4"))
save("f8_empty.npy", ramp((2, 0, 4), "<f8"))
save("f4_special.npy", np.array(SPECIAL, dtype="<f4"))
save("f8_special.npy", np.array(SPECIAL, dtype="<f8"))
# Big-endian data, column-major data, and format versions 2.0 and 3.0.
save("f4_big_endian.npy", ramp((2, 3), ">f4"))
save("f8_big_endian.npy", ramp((3, 2), ">f8"))
save("f8_fortran.npy", np.asfortranarray(ramp((2, 3, 4), "<f8")))
save("f4_fortran.npy", np.asfortranarray(ramp((3, 2), "<f4")))
write_with("f4_v2.npy", ramp((2, 3), "<f4"), (2, 0))
write_with("f8_v3.npy", ramp((4,), "<f8"), (3, 0))
# Types we reject: int64 and float16.
save("i8_rank1.npy", np.arange(3, dtype="<i8"))
save("f2_rank1.npy", np.arange(3, dtype="<f2"))


def safetensors_bytes(tensors, metadata=None, indent=None, data_order=None):
    """tensors: dict name -> array (F32 or F64). data_order: names in data order (default sorted)."""
    names = sorted(tensors, key=lambda s: s.encode("utf-8"))
    data_order = data_order or names
    offsets, blobs, position = {}, [], 0
    for name in data_order:
        blob = tensors[name].astype(tensors[name].dtype.newbyteorder("<")).tobytes()
        offsets[name] = (position, position + len(blob))
        blobs.append(blob)
        position += len(blob)
    header = {}
    if metadata:
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata, key=lambda s: s.encode("utf-8"))}
    for name in names:
        t = tensors[name]
        header[name] = {
            "dtype": {"float32": "F32", "float64": "F64"}[t.dtype.name],
            "shape": list(t.shape),
            "data_offsets": list(offsets[name]),
        }
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(header, separators=separators, ensure_ascii=False, indent=indent).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def write_bytes(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


f32 = {
    "weight": ramp((2, 3), "<f4"),
    "bias": ramp((3,), "<f4"),
    "scalar": np.array(1.5, dtype="<f4"),
    "empty": ramp((0, 4), "<f4"),
    "layer.0.gain": ramp((2, 1, 2, 2), "<f4"),
}
write_bytes("f32.safetensors", safetensors_bytes(f32, metadata={"format": "pt", "note": "h\u00e9llo \"quoted\"\n\ttab"}))
write_bytes("f64.safetensors", safetensors_bytes({"x": ramp((4, 2), "<f8"), "y": ramp((3,), "<f8")}))
write_bytes("f64_special.safetensors", safetensors_bytes({"special": np.array(SPECIAL, dtype="<f8")}))
# A file another writer might produce: indented JSON, data not in name order.
write_bytes("f32_unordered.safetensors",
            safetensors_bytes(f32, indent=1, data_order=["scalar", "weight", "empty", "layer.0.gain", "bias"]))
write_bytes("mixed.safetensors", safetensors_bytes({"a": ramp((2,), "<f4"), "b": ramp((2,), "<f8")}))

print("wrote fixtures to", HERE)
