# Regenerates random.json: what PyTorch's CPU generator draws after torch.manual_seed(seed),
# for the catalogue's random ops (RandomGoldenTests). Each case seeds once and then makes
# its calls in order, so the tests also check the state carried between calls (the cached
# second Box-Muller sample, the mt19937 position). Sizes straddle randn's 16-element
# threshold. Recorded on an AMD CPU: bernoulli with a scalar p (and dropout) takes ATen's
# default path there; on Intel CPUs with MKL PyTorch draws those from MKL's own stream.
# Values are written as Python reprs (strings), which Swift's Double(String) reads back
# exactly (JSONSerialization's numbers are not always correctly rounded).
# Run once with `python3 generate_random.py`; the tests never need Python.
import json
import torch
import torch.nn.functional as F

cases = []


def enc(t):
    flat = t.detach().reshape(-1)
    out = {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", "")}
    if flat.numel() > 4096:
        idx = list(range(0, flat.numel(), 97)) + [flat.numel() - 1]
        out["sample_every"] = 97
        out["data"] = [repr(v) for v in flat[idx].tolist()]
        out["sum"] = flat.double().sum().item()
    else:
        out["data"] = [repr(v) for v in flat.tolist()]
    return out


def arg(x):
    if isinstance(x, bool): return {"bool": x}
    if isinstance(x, int): return {"int": x}
    if isinstance(x, float): return {"float": x}
    if isinstance(x, str): return {"string": x}
    if isinstance(x, list): return {"ints": x}
    if isinstance(x, torch.Tensor): return {"tensor": enc(x)}
    raise TypeError(x)


def case(name, seed, calls):
    """calls: (op, args dict (keyword → value), function producing the PyTorch result)."""
    torch.manual_seed(seed)
    recorded = []
    for op, args, fn in calls:
        recorded.append({"op": op, "args": {k: arg(v) for k, v in args.items()}, "output": enc(fn())})
    cases.append({"name": name, "seed": seed, "calls": recorded})


f64 = torch.float64
for dt, dn in [(torch.float32, "float32"), (f64, "float64")]:
    case(f"rand {dn}", 0, [
        ("rand", {"size": [5], "dtype": dn}, lambda: torch.rand(5, dtype=dt)),
        ("rand", {"size": [3, 4], "dtype": dn}, lambda: torch.rand(3, 4, dtype=dt)),
        ("rand", {"size": [1000], "dtype": dn}, lambda: torch.rand(1000, dtype=dt)),
    ])
    for n in [1, 5, 15, 16, 17, 31, 100, 1000, 100003]:
        case(f"randn {dn} {n}", 42, [("randn", {"size": [n], "dtype": dn}, lambda: torch.randn(n, dtype=dt))])
    case(f"randn {dn} cache carries between calls", 7, [
        ("randn", {"size": [3], "dtype": dn}, lambda: torch.randn(3, dtype=dt)),
        ("rand", {"size": [2], "dtype": dn}, lambda: torch.rand(2, dtype=dt)),
        ("randn", {"size": [1], "dtype": dn}, lambda: torch.randn(1, dtype=dt)),
        ("randn", {"size": [2, 10], "dtype": dn}, lambda: torch.randn(2, 10, dtype=dt)),
        ("randn", {"size": [5], "dtype": dn}, lambda: torch.randn(5, dtype=dt)),
    ])
    case(f"normal {dn}", 3, [
        ("normal", {"mean": 2.0, "std": 3.0, "size": [5], "dtype": dn}, lambda: torch.normal(2.0, 3.0, (5,), dtype=dt)),
        ("normal", {"mean": -1.0, "std": 0.5, "size": [40], "dtype": dn}, lambda: torch.normal(-1.0, 0.5, (40,), dtype=dt)),
    ])
    case(f"uniform {dn}", 5, [
        ("uniform", {"size": [7], "from": -2.0, "to": 3.0, "dtype": dn}, lambda: torch.empty(7, dtype=dt).uniform_(-2.0, 3.0)),
        ("uniform", {"size": [300], "from": -0.1, "to": 0.1, "dtype": dn}, lambda: torch.empty(300, dtype=dt).uniform_(-0.1, 0.1)),
    ])
    p = torch.linspace(0, 1, 50, dtype=dt)
    case(f"bernoulli {dn}", 11, [
        ("bernoulli", {"input": p}, lambda: torch.bernoulli(p)),
        ("bernoulli", {"input": torch.zeros(30, dtype=dt), "p": 0.3}, lambda: torch.bernoulli(torch.zeros(30, dtype=dt), 0.3)),
    ])
    x = torch.linspace(-1, 1, 40, dtype=dt)
    case(f"dropout {dn}", 13, [
        ("dropout", {"input": x, "p": 0.25}, lambda: F.dropout(x, 0.25, training=True)),
        ("dropout", {"input": x, "p": 0.25, "training": False}, lambda: F.dropout(x, 0.25, training=False)),
        ("dropout", {"input": x.reshape(4, 10), "p": 0.6}, lambda: F.dropout(x.reshape(4, 10), 0.6)),
    ])
    probs = torch.tensor([[0.1, 0.2, 0.3, 0.4, 0.0], [5.0, 1.0, 1.0, 1.0, 2.0]], dtype=dt)
    case(f"multinomial {dn}", 17, [
        ("multinomial", {"input": probs[0], "num_samples": 10, "replacement": True},
         lambda: torch.multinomial(probs[0], 10, replacement=True)),
        ("multinomial", {"input": probs, "num_samples": 6, "replacement": True},
         lambda: torch.multinomial(probs, 6, replacement=True)),
        ("multinomial", {"input": probs, "num_samples": 3}, lambda: torch.multinomial(probs, 3)),
        ("multinomial", {"input": probs[1], "num_samples": 1}, lambda: torch.multinomial(probs[1], 1)),
        ("multinomial", {"input": probs[1], "num_samples": 5}, lambda: torch.multinomial(probs[1], 5)),
    ])
    like = torch.zeros(2, 9, dtype=dt)
    case(f"rand_like randn_like {dn}", 19, [
        ("rand_like", {"input": like}, lambda: torch.rand_like(like)),
        ("randn_like", {"input": like}, lambda: torch.randn_like(like)),
    ])

case("randint", 23, [
    ("randint", {"low": 0, "high": 10, "size": [20]}, lambda: torch.randint(0, 10, (20,))),
    ("randint", {"low": -5, "high": 5, "size": [2, 3]}, lambda: torch.randint(-5, 5, (2, 3))),
    ("randint", {"low": 7, "high": [3]}, lambda: torch.randint(7, (3,))),
    ("randint", {"low": 0, "high": 2**30, "size": [6]}, lambda: torch.randint(0, 2**30, (6,))),
    ("randint", {"low": -(2**40), "high": 2**40, "size": [4]}, lambda: torch.randint(-(2**40), 2**40, (4,))),
    ("randint", {"low": 0, "high": 3, "size": [4], "dtype": "float32"}, lambda: torch.randint(0, 3, (4,), dtype=torch.float32)),
])
case("randperm", 29, [
    ("randperm", {"n": 10}, lambda: torch.randperm(10)),
    ("randperm", {"n": 1}, lambda: torch.randperm(1)),
    ("randperm", {"n": 1000}, lambda: torch.randperm(1000)),
    ("randperm", {"n": 5, "dtype": "float64"}, lambda: torch.randperm(5, dtype=f64)),
])
case("seed beyond 32 bits", 2**32 + 1, [("rand", {"size": [4]}, lambda: torch.rand(4))])
case("negative seed", -3, [("randn", {"size": [4]}, lambda: torch.randn(4))])

with open(__file__.replace("generate_random.py", "random.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
print(len(cases), "cases")
