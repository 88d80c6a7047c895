# Regenerates more_ops.json: PyTorch's outputs and gradients for the pointwise, selection,
# scan/reduction, creation-from-a-tensor and shape ops of issue 15 (MoreOpsGoldenTests). Run once with `python3 generate_more_ops.py`;
# the tests read the committed JSON and never need Python.
import json, math
import torch
from torch_golden import enc, arg

torch.manual_seed(0)
cases = []
nan, inf = float("nan"), float("inf")

def case(name, op, fn, inputs, args={}, kwtensors={}, wrt=(0,)):
    """`fn(*inputs, **kwtensors, **args)`; gradients of the first output (seeded) for the
    floating inputs listed in `wrt`."""
    ins = [t.clone().requires_grad_(i in wrt and t.is_floating_point()) for i, t in enumerate(inputs)]
    kws = {k: v.clone() for k, v in kwtensors.items()}
    out = fn(*ins, **kws, **args)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    outs = [o if torch.is_tensor(o) else torch.tensor(o) for o in outs]
    first = outs[0]
    seed = None
    grads = [None] * len(ins)
    if first.requires_grad:
        seed = torch.randn(first.shape, dtype=first.dtype)
        first.backward(seed)
        grads = [enc(t.grad) if t.grad is not None else None for t in ins]
    cases.append({"name": name, "op": op, "inputs": [enc(t) for t in inputs],
                  "args": {k: arg(v) for k, v in args.items()},
                  "kwtensors": {k: enc(v) for k, v in kwtensors.items()},
                  "grad_output": enc(seed), "output": enc(first), "outputs": [enc(o) for o in outs], "grads": grads})

# ---- pointwise ----
x = torch.randn(3, 4)
xd = torch.randn(2, 3, dtype=torch.float64)
special = torch.tensor([nan, inf, -inf, 0.0, -0.0, 1.0, -2.5, 1e-8])
ints = torch.tensor([-3, -1, 0, 2, 7])
bools = torch.tensor([True, False, True])
unit = torch.rand(3, 4) * 1.8 - 0.9
pos = torch.rand(3, 4) * 3 + 0.1
for op, dom in [("square", x), ("reciprocal", pos), ("exp2", x), ("log2", pos), ("log10", pos), ("log1p", pos - 0.05),
                ("expm1", x), ("tan", unit), ("asin", unit), ("acos", unit), ("atan", x * 3), ("sinh", x), ("cosh", x),
                ("erf", x), ("sign", x)]:
    f = getattr(torch, op)
    case(f"{op} float32", op, f, [dom])
    case(f"{op} float64", op, f, [dom.double()])
    case(f"{op} special", op, f, [special])
    case(f"{op} int64", op, f, [ints])
    case(f"{op} bool", op, f, [bools])
    case(f"{op} transposed", op, f, [dom.t()])
for op in ["isnan", "isinf", "isfinite"]:
    f = getattr(torch, op)
    case(f"{op} special", op, f, [special])
    case(f"{op} int64", op, f, [ints])
case("nan_to_num default", "nan_to_num", torch.nan_to_num, [special])
case("nan_to_num float64", "nan_to_num", torch.nan_to_num, [special.double()])
case("nan_to_num values", "nan_to_num", torch.nan_to_num, [special], {"nan": 1.5, "posinf": 9.0, "neginf": -9.0})
case("nan_to_num grad", "nan_to_num", torch.nan_to_num, [torch.tensor([1.0, nan, inf, -2.0])], {"posinf": 3.0})
case("nan_to_num int64", "nan_to_num", torch.nan_to_num, [ints])

a = torch.randn(3, 4); b = torch.randn(4)
tied = torch.tensor([1.0, 2.0, nan, 3.0, -1.0]); tied2 = torch.tensor([1.0, 3.0, 0.0, nan, -2.0])
for op in ["maximum", "minimum"]:
    f = getattr(torch, op)
    case(f"{op} broadcast", op, f, [a, b], wrt=(0, 1))
    case(f"{op} ties nan", op, f, [tied, tied2], wrt=(0, 1))
    case(f"{op} int float", op, f, [ints, torch.tensor(0.5)])
    case(f"{op} bool", op, f, [bools, torch.tensor([False, False, True])])
    case(f"{op} float64 0-d", op, f, [a, torch.tensor(0.1, dtype=torch.float64)], wrt=(0, 1))
num = torch.tensor([-7.0, -3.5, 3.5, 7.0, 0.0, -0.0, 5.0, inf])
den = torch.tensor([2.0, -2.0, -2.0, 3.0, 2.0, -3.0, 0.0, 2.0])
for op in ["remainder", "fmod", "floor_divide"]:
    f = getattr(torch, op)
    both = () if op == "floor_divide" else (0, 1)  # PyTorch has no derivative for floor_divide
    case(f"{op} signs", op, f, [num, den], wrt=both)
    case(f"{op} float64 broadcast", op, f, [torch.randn(3, 4, dtype=torch.float64) * 5, torch.rand(4, dtype=torch.float64) + 0.5], wrt=both)
    case(f"{op} int", op, f, [torch.tensor([-7, -3, 3, 7, 0, -9223372036854775808]), torch.tensor([2, -2, -2, 3, 5, -1])])
    case(f"{op} int scalar", op, f, [torch.tensor([-7, -3, 3, 7])], {"other": 3})
    case(f"{op} float scalar", op, f, [torch.tensor([-7, -3, 3, 7])], {"other": 2.5})
    case(f"{op} tensor float scalar", op, f, [a * 4], {"other": -1.5}, wrt=both[:1])
case("atan2 quadrants", "atan2", torch.atan2, [torch.tensor([1.0, 1.0, -1.0, -1.0, 0.0, -0.0, 0.0]), torch.tensor([1.0, -1.0, 1.0, -1.0, -0.0, -1.0, 0.0])], wrt=(0, 1))
case("atan2 broadcast", "atan2", torch.atan2, [a, b], wrt=(0, 1))
case("atan2 int", "atan2", torch.atan2, [ints, torch.tensor([2])])
case("lerp scalar", "lerp", torch.lerp, [a, b], {"weight": 0.3}, wrt=(0, 1))
case("lerp large weight", "lerp", torch.lerp, [a, b], {"weight": 0.75}, wrt=(0, 1))
case("lerp tensor weight", "lerp", torch.lerp, [a, b], kwtensors={"weight": torch.rand(3, 1)}, wrt=(0, 1))
case("lerp float64", "lerp", torch.lerp, [xd, torch.randn(3, dtype=torch.float64)], {"weight": 1.0}, wrt=(0, 1))
case("clamp_min scalar", "clamp_min", torch.clamp_min, [a], {"min": 0.0})
case("clamp_min int float", "clamp_min", torch.clamp_min, [ints], {"min": 0.5})
case("clamp_min tensor", "clamp_min", torch.clamp_min, [a, b], wrt=(0, 1))
case("clamp_max scalar", "clamp_max", torch.clamp_max, [special], {"max": 0.5})
case("clamp_max int", "clamp_max", torch.clamp_max, [ints], {"max": 1})
case("clamp_max tensor", "clamp_max", torch.clamp_max, [a, torch.randn(3, 1)], wrt=(0, 1))

# ---- selection and indexing ----
m = torch.randn(3, 4)
cond = torch.tensor([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
case("where tensors", "where", torch.where, [cond, m, torch.randn(4)], wrt=(1, 2))
case("where scalar other", "where", torch.where, [cond, m], {"other": 0.5}, wrt=(1,))
case("where int float", "where", torch.where, [torch.tensor([True, False, True]), torch.tensor([1, 2, 3]), torch.tensor([0.5, 1.5, 2.5])])
case("where broadcast cond", "where", torch.where, [torch.tensor([[True], [False]]), torch.randn(2, 3, dtype=torch.float64), torch.randn(3, dtype=torch.float64)], wrt=(1, 2))
case("where bool", "where", torch.where, [torch.tensor([True, False]), torch.tensor([True, True]), torch.tensor([False, False])])
case("masked_fill number", "masked_fill", torch.masked_fill, [m, cond], {"value": -1.5})
case("masked_fill broadcast mask", "masked_fill", torch.masked_fill, [m, torch.tensor([True, False, False, True])], {"value": float("-inf")})
case("masked_fill int float value", "masked_fill", torch.masked_fill, [torch.tensor([1, 2, 3]), torch.tensor([True, False, True])], {"value": 7.9})
case("masked_fill tensor value", "masked_fill", torch.masked_fill, [m, cond, torch.tensor(2.5)], wrt=(0, 2))
x34 = torch.randn(3, 4)
case("gather dim1", "gather", torch.gather, [x34], {"dim": 1}, {"index": torch.tensor([[0, 3, 3], [1, 1, 1], [2, 0, 1]])})
case("gather dim0 smaller", "gather", torch.gather, [x34], {"dim": 0}, {"index": torch.tensor([[2, 0], [1, 2]])})
case("gather neg dim int", "gather", torch.gather, [torch.arange(12).reshape(3, 4)], {"dim": -1}, {"index": torch.tensor([[3], [0], [2]])})
case("gather transposed", "gather", torch.gather, [x34.t()], {"dim": 1}, {"index": torch.tensor([[2, 2], [0, 1], [1, 0], [0, 0]])})
case("scatter src", "scatter", torch.scatter, [x34], {"dim": 1}, {"index": torch.tensor([[0, 3], [2, 1]]), "src": torch.randn(2, 3)})
case("scatter value", "scatter", torch.scatter, [x34], {"dim": 0, "value": 9.0}, {"index": torch.tensor([[2, 0, 1, 1]])})
case("scatter int value float", "scatter", torch.scatter, [torch.tensor([1, 2, 3])], {"dim": 0, "value": 2.7}, {"index": torch.tensor([0, 2])})
case("scatter_add repeats", "scatter_add", torch.scatter_add, [x34], {"dim": 1}, {"index": torch.tensor([[0, 0, 3], [1, 1, 1]]), "src": torch.randn(2, 4)})
case("scatter_add int", "scatter_add", torch.scatter_add, [torch.zeros(5, dtype=torch.long)], {"dim": 0}, {"index": torch.tensor([0, 4, 0, 2]), "src": torch.tensor([1, 2, 3, 4])})
case("index_select dim1", "index_select", torch.index_select, [x34], {"dim": 1}, {"index": torch.tensor([3, 0, 3])})
case("index_select dim0 float64", "index_select", torch.index_select, [torch.randn(3, 2, dtype=torch.float64)], {"dim": -2}, {"index": torch.tensor([2, 2, 0, 1])})
case("index_select 0-d index", "index_select", torch.index_select, [x34], {"dim": 1}, {"index": torch.tensor(2)})
case("take_along_dim flat", "take_along_dim", torch.take_along_dim, [x34], kwtensors={"indices": torch.tensor([11, 0, 5, 5])})
case("take_along_dim dim", "take_along_dim", torch.take_along_dim, [x34], {"dim": 1}, {"indices": torch.tensor([[3, -1], [0, 1], [2, 2]])})
case("take_along_dim broadcast", "take_along_dim", torch.take_along_dim, [x34], {"dim": 1}, {"indices": torch.tensor([[2, 0]])})
case("take_along_dim argsort", "take_along_dim", torch.take_along_dim, [x34], {"dim": 0}, {"indices": x34.argsort(dim=0)})
case("nonzero 2-d", "nonzero", torch.nonzero, [torch.tensor([[0.0, 1.5, 0.0], [float("nan"), 0.0, -2.0]])])
case("nonzero int 1-d", "nonzero", torch.nonzero, [torch.tensor([0, 3, 0, 1])])
case("nonzero 0-d", "nonzero", torch.nonzero, [torch.tensor(3.0)])
case("nonzero none", "nonzero", torch.nonzero, [torch.zeros(2, 2)])
for op in ["tril", "triu"]:
    f = getattr(torch, op)
    case(f"{op} default", op, f, [x34])
    case(f"{op} k=1 batched", op, f, [torch.randn(2, 3, 3)], {"diagonal": 1})
    case(f"{op} k=-2", op, f, [x34], {"diagonal": -2})
    case(f"{op} int huge k", op, f, [torch.arange(6).reshape(2, 3)], {"diagonal": 9223372036854775807})
case("diag vector", "diag", torch.diag, [torch.randn(3)])
case("diag vector k=2", "diag", torch.diag, [torch.randn(3)], {"diagonal": 2})
case("diag vector k=-1 int", "diag", torch.diag, [torch.tensor([1, 2])], {"diagonal": -1})
case("diag matrix", "diag", torch.diag, [x34])
case("diag matrix k=1", "diag", torch.diag, [x34], {"diagonal": 1})
case("diag matrix k=-2", "diag", torch.diag, [x34], {"diagonal": -2})
case("diag matrix past edge", "diag", torch.diag, [x34], {"diagonal": 7})
case("diag transposed", "diag", torch.diag, [x34.t()], {"diagonal": -1})
case("flip one", "flip", torch.flip, [x34], {"dims": [1]})
case("flip two negative", "flip", torch.flip, [torch.randn(2, 3, 4)], {"dims": [0, -1]})
case("flip bool", "flip", torch.flip, [torch.tensor([True, False, False])], {"dims": [0]})
case("roll flat", "roll", torch.roll, [x34], {"shifts": [5]})
case("roll dims", "roll", torch.roll, [x34], {"shifts": [1, -6], "dims": [0, 1]})
case("roll repeated dim", "roll", torch.roll, [x34], {"shifts": [1, 2], "dims": [1, 1]})
case("roll huge", "roll", torch.roll, [torch.arange(5)], {"shifts": [-4611686018427387903], "dims": [0]})

# ---- reductions and scans ----
r34 = torch.randn(3, 4)
for op in ["cumsum", "cumprod"]:
    f = getattr(torch, op)
    case(f"{op} dim1", op, f, [r34], {"dim": 1})
    case(f"{op} dim0 transposed", op, f, [r34.t()], {"dim": 0})
    case(f"{op} float64 neg dim", op, f, [torch.randn(2, 3, 2, dtype=torch.float64)], {"dim": -2})
    case(f"{op} int", op, f, [torch.tensor([[3, -1, 2], [4, 0, 5]])], {"dim": 1})
    case(f"{op} bool", op, f, [torch.tensor([True, False, True, True])], {"dim": 0})
    case(f"{op} dtype", op, f, [torch.tensor([1, 2, 3])], {"dim": 0, "dtype": torch.float64})
    case(f"{op} nan inf", op, f, [torch.tensor([1.0, float("inf"), -2.0, float("nan"), 3.0])], {"dim": 0})
case("cumprod zeros grad", "cumprod", torch.cumprod, [torch.tensor([[2.0, 0.0, 3.0, 0.0, 5.0], [1.5, -2.0, 0.0, 4.0, 1.0], [0.0, 2.0, 3.0, 4.0, 0.5]])], {"dim": 1})
case("cumsum long", "cumsum", torch.cumsum, [torch.randn(1000)], {"dim": 0})
case("logsumexp dim", "logsumexp", torch.logsumexp, [r34], {"dim": [1]})
case("logsumexp dims keepdim", "logsumexp", torch.logsumexp, [torch.randn(2, 3, 4)], {"dim": [0, 2], "keepdim": True})
case("logsumexp large", "logsumexp", torch.logsumexp, [torch.tensor([[1000.0, 1000.0], [-1000.0, -999.0]])], {"dim": [1]})
case("logsumexp inf", "logsumexp", torch.logsumexp, [torch.tensor([[float("inf"), 1.0], [-float("inf"), -float("inf")], [float("nan"), 0.0]])], {"dim": [1]})
case("logsumexp int", "logsumexp", torch.logsumexp, [torch.tensor([1, 2, 3])], {"dim": [0]})
case("logsumexp float64 long", "logsumexp", torch.logsumexp, [torch.randn(3, 700, dtype=torch.float64)], {"dim": [1]})
case("logsumexp long float32", "logsumexp", torch.logsumexp, [torch.randn(2, 5000) * 10], {"dim": [1]})
case("logsumexp empty", "logsumexp", torch.logsumexp, [torch.zeros(2, 0)], {"dim": [1]})
for op in ["amax", "amin"]:
    f = getattr(torch, op)
    case(f"{op} all", op, f, [r34])
    case(f"{op} dims keepdim", op, f, [torch.randn(2, 3, 4)], {"dim": [0, -1], "keepdim": True})
    case(f"{op} ties", op, f, [torch.tensor([[1.0, 3.0, 3.0], [-1.0, -1.0, -1.0]])], {"dim": [1]})
    case(f"{op} nan", op, f, [torch.tensor([[1.0, float("nan"), 3.0], [2.0, 0.0, 1.0]])], {"dim": [1]})
    case(f"{op} int", op, f, [torch.tensor([[3, 1], [0, 7]])], {"dim": [0]})
    case(f"{op} bool", op, f, [torch.tensor([True, False])])
case("median all", "median", torch.median, [r34])
case("median even count", "median", torch.median, [torch.tensor([4.0, 1.0, 3.0, 2.0])])
case("median ties", "median", torch.median, [torch.tensor([2.0, 1.0, 2.0, 2.0, 3.0])])
case("median nan", "median", torch.median, [torch.tensor([1.0, float("nan"), 2.0])])
case("median dim", "median", torch.median, [r34], {"dim": 1})
case("median dim keepdim float64", "median", torch.median, [torch.randn(4, 3, dtype=torch.float64)], {"dim": 0, "keepdim": True})
case("median dim ties", "median", torch.median, [torch.tensor([[2.0, 1.0, 2.0, 2.0, 3.0], [5.0, 5.0, 5.0, 1.0, 1.0]])], {"dim": 1})
case("median dim nan", "median", torch.median, [torch.tensor([[1.0, float("nan"), float("nan"), 0.0], [3.0, 1.0, 2.0, 0.0]])], {"dim": 1})
case("median int", "median", torch.median, [torch.tensor([[5, 3, 9], [1, 1, 0]])], {"dim": -1})
case("mode 1-d", "mode", torch.mode, [torch.tensor([3.0, 1.0, 3.0, 1.0, 2.0])])
case("mode rows", "mode", torch.mode, [torch.tensor([[1, 2, 2, 1, 1], [5, 5, 4, 4, 6]])], {"dim": 1})
case("mode dim0 keepdim", "mode", torch.mode, [torch.tensor([[1.0, 2.0], [1.0, 3.0], [0.5, 3.0]])], {"dim": 0, "keepdim": True})
case("mode bool", "mode", torch.mode, [torch.tensor([True, False, True])])
case("mode grad", "mode", torch.mode, [torch.tensor([[0.5, 0.25, 0.5], [2.0, 1.0, 3.0]])], {"dim": 1})
for op in ["std_mean", "var_mean"]:
    f = getattr(torch, op)
    case(f"{op} all", op, f, [r34])
    case(f"{op} dim", op, f, [r34], {"dim": 1})
    case(f"{op} dims correction keepdim", op, f, [torch.randn(2, 3, 4, dtype=torch.float64)], {"dim": [0, 2], "correction": 0, "keepdim": True})
    case(f"{op} unbiased false", op, f, [r34], {"dim": 0, "unbiased": False})
for op in ["any", "all"]:
    f = getattr(torch, op)
    case(f"{op} all", op, f, [torch.tensor([[0.0, float("nan")], [0.0, 0.0]])])
    case(f"{op} dim", op, f, [torch.tensor([[0, 1, 2], [0, 0, 3]])], {"dim": 1})
    case(f"{op} dims keepdim", op, f, [torch.tensor([[[True, False]], [[True, True]]])], {"dim": [0, 2], "keepdim": True})
    case(f"{op} empty", op, f, [torch.zeros(0)])
case("count_nonzero all", "count_nonzero", torch.count_nonzero, [torch.tensor([[0.0, float("nan")], [1.0, 0.0]])])
case("count_nonzero dims", "count_nonzero", torch.count_nonzero, [torch.tensor([[[1, 0], [2, 3]], [[0, 0], [4, 0]]])], {"dim": [0, 2]})
case("sort rows", "sort", torch.sort, [r34])
case("sort nan signed zero", "sort", torch.sort, [torch.tensor([2.0, float("nan"), -1.0, float("nan"), -0.0, 0.0])])
case("sort descending ties", "sort", torch.sort, [torch.tensor([[2.0, float("nan"), -1.0, 2.0], [1.0, 1.0, 1.0, 0.0]])], {"descending": True, "stable": True})
case("sort dim0 int", "sort", torch.sort, [torch.tensor([[3, 1], [1, 2], [2, 0]])], {"dim": 0})
case("sort bool", "sort", torch.sort, [torch.tensor([True, False, True, False])])
case("sort transposed float64", "sort", torch.sort, [torch.randn(4, 3, dtype=torch.float64).t()], {"dim": 1, "descending": True})
case("argsort", "argsort", torch.argsort, [r34], {"dim": 0}, wrt=())
case("argsort descending int", "argsort", torch.argsort, [torch.tensor([3, 1, 3, 2])], {"descending": True, "stable": True}, wrt=())
case("unique", "unique", torch.unique, [torch.tensor([[3, 1], [3, 2]])], wrt=())
case("unique counts", "unique", torch.unique, [torch.tensor([3, 1, 3, 2, 1, 1])], {"return_counts": True}, wrt=())
case("unique inverse counts", "unique", torch.unique, [torch.tensor([[2.5, -1.0], [2.5, 0.0]])], {"return_inverse": True, "return_counts": True}, wrt=())
case("unique inverse nan", "unique", torch.unique, [torch.tensor([float("nan"), 1.0, float("nan")])], {"return_inverse": True}, wrt=())
case("unique bool", "unique", torch.unique, [torch.tensor([True, False, True])], {"return_counts": True}, wrt=())
case("allclose true", "allclose", torch.allclose, [torch.tensor([1.0, 2.0]), torch.tensor([1.0 + 1e-6, 2.0])])
case("allclose false", "allclose", torch.allclose, [torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.1])])
case("allclose tolerances", "allclose", torch.allclose, [torch.tensor([1.0, 2.0]), torch.tensor([1.05, 2.0])], {"rtol": 0.0, "atol": 0.1})
case("allclose nan", "allclose", torch.allclose, [torch.tensor([1.0, float("nan")]), torch.tensor([1.0, float("nan")])])
case("allclose equal_nan broadcast", "allclose", torch.allclose, [torch.tensor([[float("nan")], [float("nan")]]), torch.tensor([float("nan")])], {"equal_nan": True})
case("allclose inf", "allclose", torch.allclose, [torch.tensor([float("inf"), -float("inf")]), torch.tensor([float("inf"), float("inf")])])
case("equal true", "equal", torch.equal, [torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])])
case("equal shape", "equal", torch.equal, [torch.tensor([1.0]), torch.tensor([1.0, 1.0])])
case("equal dtypes", "equal", torch.equal, [torch.tensor([1.0, 2.0]), torch.tensor([1, 2])])
case("equal nan", "equal", torch.equal, [torch.tensor([float("nan")]), torch.tensor([float("nan")])])

# Rows long enough for the radix sort (256 elements and more), with ties, NaN, ±0 and ±inf:
# built from index arithmetic, not the generator, so the cases above keep their inputs.
def long_row(n, dtype=torch.float32, offset=0):
    def v(i):
        i += offset
        if i % 97 == 3: return nan
        if i % 89 == 5: return -0.0
        if i % 101 == 7: return inf
        if i % 103 == 9: return -inf
        return ((i * 7919) % 41 - 20) / 4.0
    return torch.tensor([v(i) for i in range(n)], dtype=dtype)
case("sort long row float32", "sort", torch.sort, [long_row(600)], {"stable": True})
case("sort long rows float64 descending", "sort", torch.sort, [long_row(900, torch.float64).reshape(3, 300)], {"dim": 1, "descending": True, "stable": True})
case("sort long column int64", "sort", torch.sort,
     [torch.tensor([((i * 7919) % 301 - 150) * (1 << 40) if i % 50 else (-(1 << 52) if i % 100 else (1 << 52) + 1) for i in range(600)]).reshape(300, 2)],
     {"dim": 0, "stable": True})
case("argsort long row descending", "argsort", torch.argsort, [long_row(600, offset=13)], {"descending": True, "stable": True}, wrt=())

# Creation from another tensor and the shape ops (F.one_hot, *_like, empty, tensor_split,
# movedim, *_as, meshgrid). Tensord's empty is zero-filled, so its reference is empty().zero_().
import torch.nn.functional as F
xs = torch.randn(3, 4)
labels = torch.tensor([[0, 2], [1, 4]])
case("one_hot inferred", "one_hot", F.one_hot, [torch.tensor([0, 2, 1, 2])], wrt=())
case("one_hot num_classes", "one_hot", F.one_hot, [labels], {"num_classes": 6}, wrt=())
case("zeros_like", "zeros_like", torch.zeros_like, [xs], wrt=())
case("ones_like dtype", "ones_like", torch.ones_like, [xs], {"dtype": torch.int64}, wrt=())
case("full_like float", "full_like", torch.full_like, [xs.double()], {"fill_value": -2.5}, wrt=())
case("full_like int truncates", "full_like", torch.full_like, [labels], {"fill_value": 2.7}, wrt=())
case("empty zero-filled", "empty", lambda size, dtype: torch.empty(size, dtype=dtype).zero_(), [], {"size": [2, 0, 3], "dtype": torch.float64}, wrt=())
case("empty float32", "empty", lambda size: torch.empty(size).zero_(), [], {"size": [4]}, wrt=())
def tensor_split(x, indices_or_sections, dim=0):
    return torch.tensor_split(x, indices_or_sections, dim=dim)
case("tensor_split sections", "tensor_split", tensor_split, [torch.randn(7, 2)], {"indices_or_sections": 3})
case("tensor_split more sections than elements", "tensor_split", tensor_split, [torch.arange(3.0)], {"indices_or_sections": 5})
case("tensor_split indices dim", "tensor_split", tensor_split, [torch.randn(2, 6)], {"indices_or_sections": [1, 4, 4, 9], "dim": 1})
case("tensor_split reversed negative", "tensor_split", tensor_split, [torch.arange(7)], {"indices_or_sections": [5, 2, -1]}, wrt=())
case("movedim", "movedim", torch.movedim, [torch.randn(2, 3, 4)], {"source": 0, "destination": -1})
case("movedim lists", "movedim", torch.movedim, [torch.randn(2, 3, 4)], {"source": [0, 1], "destination": [2, 0]})
case("expand_as", "expand_as", torch.Tensor.expand_as, [torch.randn(3, 1)], kwtensors={"other": torch.zeros(2, 3, 4)})
case("view_as", "view_as", torch.Tensor.view_as, [torch.randn(2, 6)], kwtensors={"other": torch.zeros(3, 4)})
case("reshape_as transposed", "reshape_as", torch.Tensor.reshape_as, [torch.randn(4, 3).t()], kwtensors={"other": torch.zeros(2, 6)})
case("type_as float64", "type_as", torch.Tensor.type_as, [torch.randn(2, 3)], kwtensors={"other": torch.zeros(1, dtype=torch.float64)})
case("type_as int64 truncates", "type_as", torch.Tensor.type_as, [torch.tensor([-1.7, 0.5, 2.9])], kwtensors={"other": torch.zeros(1, dtype=torch.int64)}, wrt=())
case("meshgrid ij", "meshgrid", lambda *ts, **kw: torch.meshgrid(*ts, **kw), [torch.randn(2), torch.randn(3)], {"indexing": "ij"}, wrt=(0, 1))
case("meshgrid xy three", "meshgrid", lambda *ts, **kw: torch.meshgrid(*ts, **kw), [torch.randn(2), torch.randn(3), torch.randn(4)], {"indexing": "xy"}, wrt=(0, 1, 2))

import os
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "more_ops.json"), "w") as fh:
    json.dump({"generator": f"PyTorch {torch.__version__}", "cases": cases}, fh, separators=(",", ":"))
print(len(cases), "cases")
