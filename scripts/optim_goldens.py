"""Generates Tests/TrainingTests/Fixtures/optim_goldens.json: PyTorch's optimizer updates
for 3 steps on fixed values, and clip_grad_norm_ results. Run once; the tests never need
Python. Usage: python3 scripts/optim_goldens.py"""
import json, os, torch

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "TrainingTests", "Fixtures", "optim_goldens.json")

CTORS = {"sgd": torch.optim.SGD, "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
         "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
CONFIGS = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.5, "maximize": True}),
    ("adagrad", {"lr": 0.1}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.1, "eps": 1e-6}),
    ("adagrad", {"lr": 0.1, "maximize": True}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.9}),
    ("rmsprop", {"lr": 0.01, "centered": True}),
    ("rmsprop", {"lr": 0.01, "alpha": 0.3, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("rmsprop", {"lr": 0.01, "maximize": True, "eps": 1e-3}),
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.01, "amsgrad": True}),
    ("adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("adam", {"lr": 0.01, "betas": [0.3, 0.5], "eps": 1e-3}),
    ("adam", {"lr": 0.01, "maximize": True, "amsgrad": True}),
    ("adamw", {"lr": 0.01}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
]

def floats(t):
    return [float(x) for x in t.detach().flatten().tolist()]

cases = []
for shape, dtype in [([2, 3], torch.float32), ([37], torch.float32), ([2, 3], torch.float64)]:
    for kind, opts in CONFIGS:
        p0 = torch.randn(shape, dtype=dtype)
        # Gradients of mixed scale and sign, one entry 0, so every branch is exercised.
        grads = [torch.randn(shape, dtype=dtype) * s for s in (1.0, 0.3, 2.0)]
        grads[1].view(-1)[0] = 0
        p = p0.clone().requires_grad_(True)
        kw = dict(opts)
        if "betas" in kw: kw["betas"] = tuple(kw["betas"])
        opt = CTORS[kind]([p], **kw)
        after = []
        for g in grads:
            p.grad = g.clone()
            opt.step()
            after.append(floats(p))
        st = opt.state[p]
        state = {k: floats(v) for k, v in st.items() if k != "step"}
        cases.append({"type": kind, "options": opts, "dtype": str(dtype).replace("torch.", ""), "shape": shape,
                      "param": floats(p0), "grads": [floats(g) for g in grads], "after": after,
                      "state": state, "step": int(st["step"]) if "step" in st else None})

clips = []
for max_norm, norm_type in [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.5, float("inf")), (2.0, 3.0), (0.1, 0.5)]:
    gs = [torch.randn(2, 3), torch.randn(5) * 2]
    ts = [g.clone().requires_grad_(True) for g in gs]
    for t, g in zip(ts, gs): t.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(ts, max_norm, norm_type=norm_type)
    clips.append({"max_norm": max_norm, "norm_type": "inf" if norm_type == float("inf") else norm_type,
                  "grads": [floats(g) for g in gs], "shapes": [list(g.shape) for g in gs],
                  "clipped": [floats(t.grad) for t in ts], "total": float(total)})

with open(OUT, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases, "clip_grad_norm": clips}, f, indent=None)
print(f"wrote {len(cases)} optimizer cases and {len(clips)} clipping cases with torch {torch.__version__}")
