# Regenerates linear_init.json: the parameters nn.Linear's default initialisation draws
# after torch.manual_seed(seed) (kaiming_uniform_(a=sqrt(5)) for each weight, then the
# bias from U(-1/sqrt(in), 1/sqrt(in))), layer by layer as nn.Sequential builds them.
# LinearInitGoldenTests replays them; a model job's `seed` gives the same parameters.
# Values are strings (Python reprs) so that they read back exactly. Run once with `python3 generate_linear_init.py`; the tests never need Python.
import json
import torch
import torch.nn as nn


def enc(t):
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""), "data": [repr(v) for v in t.detach().reshape(-1).tolist()]}


models = []
for seed, sizes, dt in [(0, [4, 8, 3], torch.float32), (1234, [30, 20, 1], torch.float32), (7, [3, 2], torch.float64)]:
    torch.manual_seed(seed)
    layers = [nn.Linear(a, b, dtype=dt) for a, b in zip(sizes, sizes[1:])]
    models.append({"seed": seed, "sizes": sizes, "dtype": str(dt).replace("torch.", ""),
                   "params": [enc(p) for layer in layers for p in (layer.weight, layer.bias)]})

with open(__file__.replace("generate_linear_init.py", "linear_init.json"), "w") as f:
    json.dump({"torch": torch.__version__, "models": models}, f, separators=(",", ":"))
