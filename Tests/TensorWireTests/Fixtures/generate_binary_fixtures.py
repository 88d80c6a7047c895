"""Writes the .npy and safetensors fixtures of TensorWireTests and TensorServiceTests.

Run from this folder: python3 generate_binary_fixtures.py (numpy, safetensors, torch).
The .npy files come from numpy itself (numpy.save / numpy.lib.format.write_array), the
safetensors files from the reference implementation (safetensors.numpy / safetensors.torch).
expected.json gives, for each file, the shape, the Tensord dtype and the hex of the raw
little-endian bytes Tensord must hold after reading it (torch.from_numpy's values, with the
narrower integers widened to int64), so the tests need neither Python nor PyTorch.
"""
import io, json
import numpy as np
import torch
from numpy.lib import format as npf
from safetensors.numpy import save_file as save_numpy
from safetensors.torch import save_file as save_torch

TARGET = {"float32": "float32", "float64": "float64", "int64": "int64", "int32": "int64",
          "int16": "int64", "int8": "int64", "uint8": "int64", "bool": "bool"}
expected = {}


def sample(dtype, shape):
    n = int(np.prod(shape))
    if dtype == "bool":
        return (np.arange(n) % 3 == 0).reshape(shape)
    info = np.finfo(dtype) if dtype.startswith("float") else np.iinfo(dtype)
    if dtype.startswith("float"):
        v = np.linspace(-3.5, 7.25, n).astype(dtype)
        v[:4] = [np.nan, np.inf, -0.0, info.tiny / 2][: min(4, n)]
        if n > 5:
            v[4], v[5] = info.max, -np.inf
    else:
        v = (np.arange(n) * 37 - 50).astype(np.int64).clip(info.min, info.max).astype(dtype)
        if n:
            v[0], v[-1] = info.min, info.max
    return v.reshape(shape)


def record(name, arr):
    target = TARGET[arr.dtype.newbyteorder("=").name]
    held = np.ascontiguousarray(arr).astype(np.dtype(target).newbyteorder("<"))
    expected[name] = {"shape": list(arr.shape), "dtype": target, "hex": held.tobytes().hex()}


def write_npy(name, arr, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, arr)
    else:
        npf.write_array(buf, arr, version=version)
    open(name, "wb").write(buf.getvalue())
    record(name, arr)


for dtype in TARGET:
    for order in "CF":
        for endian in "<>":
            if endian == ">" and dtype in ("bool", "int8", "uint8"):
                continue
            a = sample(dtype, (2, 3, 4))
            a = np.asarray(a, dtype=np.dtype(dtype).newbyteorder(endian), order=order)
            write_npy(f"{dtype}_{'be' if endian == '>' else 'le'}_{order}.npy", a)
    # What numpy.save writes for the array Tensord holds: the encoder must match it byte for byte.
    if TARGET[dtype] == dtype:
        write_npy(f"save_{dtype}.npy", sample(dtype, (2, 3, 4)))
        write_npy(f"save_{dtype}_0d.npy", sample(dtype, (1,)).reshape(()))
        write_npy(f"save_{dtype}_1d.npy", sample(dtype, (7,)))
        write_npy(f"save_{dtype}_empty.npy", sample(dtype, (0, 3)))
write_npy("v2_float32.npy", sample("float32", (3, 2)), version=(2, 0))
write_npy("v3_int16.npy", sample("int16", (3, 2)), version=(3, 0))
write_npy("f_order_5d.npy", np.asfortranarray(np.arange(120, dtype=np.float64).reshape(2, 3, 1, 4, 5)))

# Element types Tensord refuses (422 unsupported_dtype).
for name, arr in {"float16": np.ones(3, np.float16), "complex64": np.ones(3, np.complex64),
                  "uint16": np.ones(3, np.uint16), "unicode": np.array(["ab", "c"]),
                  "structured": np.zeros(2, dtype=[("x", "<f4"), ("y", "<i8")])}.items():
    np.save(f"unsupported_{name}.npy", arr)
buf = io.BytesIO()
np.save(buf, np.array([1, "a", None], dtype=object), allow_pickle=True)
open("unsupported_object.npy", "wb").write(buf.getvalue())

# safetensors from the reference implementation: every readable dtype, with metadata.
mixed = {f"t_{d}": sample(d, (2, 3)) for d in TARGET}
mixed["scalar"] = np.array(2.5, dtype=np.float64)
mixed["empty"] = np.zeros((0, 4), dtype=np.float32)
save_numpy(mixed, "mixed.safetensors", metadata={"source": "numpy", "note": "fixture"})
for k, v in mixed.items():
    record(f"mixed.safetensors:{k}", v)
save_torch({"h": torch.ones(3, dtype=torch.float16)}, "unsupported_f16.safetensors")
save_torch({"h": torch.ones(3, dtype=torch.bfloat16)}, "unsupported_bf16.safetensors")

# A model PyTorch trained: its state_dict, and what it predicts for fixed inputs.
torch.manual_seed(0)
mlp = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
save_torch(mlp.state_dict(), "mlp.safetensors")
x = torch.linspace(-2, 2, 15, dtype=torch.float32).reshape(5, 3)
with torch.no_grad():
    y = mlp(x)
for k, v in mlp.state_dict().items():
    record(f"mlp.safetensors:{k}", v.numpy())
expected["mlp.predict"] = {"x": x.flatten().tolist(), "y": y.flatten().tolist()}

json.dump(expected, open("expected.json", "w"), indent=1, sort_keys=True)
