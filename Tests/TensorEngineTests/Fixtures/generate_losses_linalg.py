# Regenerates losses_linalg.json: PyTorch's outputs and gradients for the loss and matmul
# golden tests (LossGoldenTests, LinalgTests). Run once with `python3 generate_losses_linalg.py`;
# the tests read the committed JSON and never need Python.
import json, math
import torch
from torch_golden import enc, arg
import torch.nn.functional as F

torch.manual_seed(0)
cases = []

def case(name, op, fn, inputs, args={}, kwtensors={}, wrt=(0,)):
    ins = [t.clone().requires_grad_(i in wrt) for i, t in enumerate(inputs)]
    kws = {k: v.clone() for k, v in kwtensors.items()}
    out = fn(*ins, **kws, **args)
    seed = None
    grads = [None] * len(ins)
    if out.requires_grad:
        if out.dim() == 0:
            out.backward()
        else:
            seed = torch.randn(out.shape, dtype=out.dtype)
            out.backward(seed)
        grads = [enc(t.grad) if t.grad is not None else None for t in ins]
    cases.append({"name": name, "op": op, "inputs": [enc(t) for t in inputs],
                  "args": {k: arg(v) for k, v in args.items()},
                  "kwtensors": {k: enc(v) for k, v in kwtensors.items()},
                  "grad_output": enc(seed), "output": enc(out), "grads": grads})

ce = lambda x, t, **kw: F.cross_entropy(x, t, **kw)
x45 = torch.randn(4, 5)
t4 = torch.tensor([1, 0, 4, 2])
w5 = torch.tensor([0.5, 2.0, 1.0, 1.5, 0.25])
case("ce mean", "cross_entropy", ce, [x45, t4])
case("ce weight ignore default", "cross_entropy", ce, [x45, torch.tensor([1, -100, 4, 2])], kwtensors={"weight": w5})
case("ce custom ignore sum", "cross_entropy", ce, [x45, torch.tensor([1, 2, 4, 2])], {"ignore_index": 2, "reduction": "sum"})
case("ce smoothing weight ignore mean", "cross_entropy", ce, [x45, torch.tensor([3, -100, 0, 2])], {"label_smoothing": 0.1}, {"weight": w5})
case("ce smoothing none", "cross_entropy", ce, [x45, t4], {"label_smoothing": 0.25, "reduction": "none"})
case("ce spatial weight smoothing", "cross_entropy", ce, [torch.randn(2, 3, 2, 2), torch.tensor([[[0, 1], [2, 1]], [[2, 0], [-100, 1]]])],
     {"label_smoothing": 0.05}, {"weight": torch.tensor([1.0, 0.5, 2.0])})
case("ce unbatched none", "cross_entropy", ce, [torch.randn(5), torch.tensor(3)], {"reduction": "none"})
case("ce probabilities smoothing weight", "cross_entropy", ce, [torch.randn(3, 4), torch.rand(3, 4)], {"label_smoothing": 0.2},
     {"weight": torch.tensor([1.0, 2.0, 0.5, 1.0])}, wrt=(0, 1))
case("ce probabilities spatial sum", "cross_entropy", ce, [torch.randn(2, 3, 2), torch.softmax(torch.randn(2, 3, 2), 1)], {"reduction": "sum"}, wrt=(0, 1))
case("ce all ignored mean", "cross_entropy", ce, [x45, torch.tensor([-100, -100, -100, -100])])
case("ce all ignored sum", "cross_entropy", ce, [x45, torch.tensor([-100, -100, -100, -100])], {"reduction": "sum"})
case("ce large logits", "cross_entropy", ce, [torch.tensor([[1000.0, -1000.0, 0.0], [-500.0, 500.0, 499.0]]), torch.tensor([1, 2])])
case("ce float64", "cross_entropy", ce, [torch.randn(3, 6, dtype=torch.float64), torch.tensor([5, 0, 3])], {"label_smoothing": 0.3})
big = torch.randn(64, 10)
case("ce batch 64", "cross_entropy", ce, [big, torch.randint(0, 10, (64,))])

nll = lambda x, t, **kw: F.nll_loss(x, t, **kw)
lp = torch.log_softmax(torch.randn(4, 3), 1)
case("nll weight ignore mean", "nll_loss", nll, [lp, torch.tensor([2, 1, -100, 0])], kwtensors={"weight": torch.tensor([0.5, 2.0, 1.5])})
case("nll none", "nll_loss", nll, [lp, torch.tensor([2, 1, 1, 0])], {"reduction": "none"})
case("nll spatial sum", "nll_loss", nll, [torch.randn(2, 3, 2), torch.tensor([[0, 2], [1, 1]])], {"reduction": "sum"})

bce = lambda x, t, **kw: F.binary_cross_entropy(x, t, **kw)
case("bce mean", "binary_cross_entropy", bce, [torch.rand(2, 3), torch.rand(2, 3)])
case("bce weight none", "binary_cross_entropy", bce, [torch.rand(2, 3), torch.tensor([[0.0, 1.0, 1.0], [0.0, 0.5, 1.0]])], {"reduction": "none"},
     {"weight": torch.tensor([1.0, 2.0, 0.5])})
case("bce clamped ends", "binary_cross_entropy", bce, [torch.tensor([0.0, 1.0, 0.0, 1.0, 0.5]), torch.tensor([0.0, 1.0, 1.0, 0.0, 0.5])], {"reduction": "sum"})

bcel = lambda x, t, **kw: F.binary_cross_entropy_with_logits(x, t, **kw)
case("bcel mean", "binary_cross_entropy_with_logits", bcel, [torch.randn(2, 3), torch.rand(2, 3)], wrt=(0, 1))
case("bcel pos_weight weight none", "binary_cross_entropy_with_logits", bcel, [torch.randn(3, 4), torch.rand(3, 4)], {"reduction": "none"},
     {"weight": torch.tensor([[1.0], [0.5], [2.0]]), "pos_weight": torch.tensor([1.0, 3.0, 0.5, 2.0])}, wrt=(0, 1))
case("bcel extreme", "binary_cross_entropy_with_logits", bcel, [torch.tensor([100.0, -100.0, 30.0, -30.0, 0.0]), torch.tensor([0.0, 1.0, 1.0, 0.0, 0.3])],
     {"reduction": "sum"}, {"pos_weight": torch.tensor([2.0])}, wrt=(0, 1))

mse = lambda x, t, **kw: F.mse_loss(x, t, **kw)
case("mse mean", "mse_loss", mse, [torch.randn(2, 3), torch.randn(2, 3)], wrt=(0, 1))
case("mse sum", "mse_loss", mse, [torch.randn(2, 3), torch.randn(2, 3)], {"reduction": "sum"}, wrt=(0, 1))

mm = lambda a, b: torch.matmul(a, b)
case("matmul batched broadcast", "matmul", mm, [torch.randn(2, 1, 3, 4), torch.randn(3, 4, 2)], wrt=(0, 1))
case("matmul 1d @ 3d", "matmul", mm, [torch.randn(4), torch.randn(2, 4, 3)], wrt=(0, 1))
case("matmul 3d @ 1d", "matmul", mm, [torch.randn(2, 3, 4), torch.randn(4)], wrt=(0, 1))
case("matmul dot", "matmul", mm, [torch.randn(5), torch.randn(5)], wrt=(0, 1))
case("matmul 2d @ 4d", "matmul", mm, [torch.randn(3, 4), torch.randn(2, 2, 4, 5)], wrt=(0, 1))
case("matmul float64 batched", "matmul", mm, [torch.randn(3, 2, 5, dtype=torch.float64), torch.randn(1, 5, 3, dtype=torch.float64)], wrt=(0, 1))
case("matmul int64 batched", "matmul", mm, [torch.randint(-5, 5, (2, 2, 3)), torch.randint(-5, 5, (3, 4))], wrt=())
case("mm large", "mm", lambda a, b: torch.mm(a, b), [torch.randn(33, 70), torch.randn(70, 17)], wrt=(0, 1))

with open(__file__.replace("generate_losses_linalg.py", "losses_linalg.json"), "w") as f:
    json.dump({"generator": "PyTorch " + torch.__version__, "cases": cases}, f, indent=None, separators=(",", ":"))
print(len(cases), "cases")
