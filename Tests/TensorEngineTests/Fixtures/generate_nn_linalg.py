# Regenerates nn_linalg.json: PyTorch's outputs and gradients for the linear-algebra and
# nn-function ops (dot, mv, bmm, outer, addmm, einsum, linear, softplus, silu, elu,
# hardtanh, softmin, normalize, cosine_similarity, pairwise_distance, the regression
# losses and kl_div), replayed by NNLinalgGoldenTests. einsum's operands are the inputs.
# Run once with `python3 generate_nn_linalg.py`; the tests never need Python.
import json
import torch
import torch.nn.functional as F
from torch_golden import enc, arg

torch.manual_seed(0)
cases = []


def case(name, op, fn, inputs, args={}, wrt=None):
    wrt = range(len(inputs)) if wrt is None else wrt
    ins = [t.clone().requires_grad_(i in wrt and t.is_floating_point()) for i, t in enumerate(inputs)]
    out = fn(*ins, **args)
    seed = None
    grads = [None] * len(ins)
    if out.requires_grad:
        seed = torch.randn(out.shape, dtype=out.dtype)
        out.backward(seed)
        grads = [enc(t.grad) if t.grad is not None else None for t in ins]
    cases.append({"name": name, "op": op, "inputs": [enc(t) for t in inputs], "args": {k: arg(v) for k, v in args.items()},
                  "kwtensors": {}, "grad_output": enc(seed), "output": enc(out), "grads": grads})


r = torch.randn
d64 = torch.float64
case("dot", "dot", torch.dot, [r(5), r(5)])
case("dot float64", "dot", torch.dot, [r(4, dtype=d64), r(4, dtype=d64)])
case("mv", "mv", torch.mv, [r(3, 4), r(4)])
case("bmm", "bmm", torch.bmm, [r(2, 3, 4), r(2, 4, 5)])
case("outer", "outer", torch.outer, [r(3), r(4)])
case("addmm", "addmm", torch.addmm, [r(2, 4), r(2, 3), r(3, 4)])
case("addmm broadcast beta alpha", "addmm", torch.addmm, [r(4), r(2, 3), r(3, 4)], {"beta": 0.5, "alpha": -2.0})
case("addmm beta 0 ignores nan", "addmm", torch.addmm, [torch.full((2, 2), float("nan")), r(2, 3), r(3, 2)], {"beta": 0.0}, wrt=(1, 2))
for eq, shapes in [("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
                   ("ij->ji", [(2, 3)]), ("ii->", [(3, 3)]), ("ii", [(4, 4)]), ("ii->i", [(3, 3)]), ("i,j->ij", [(3,), (2,)]),
                   ("ij->", [(2, 3)]), ("ij->j", [(2, 3)]), ("bi,bi->b", [(4, 3), (4, 3)]), ("ij,j,kj->ki", [(2, 3), (3,), (4, 3)]),
                   ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("ijk->kji", [(2, 3, 4)]), ("iij->j", [(3, 3, 2)]),
                   ("ba,ca->bc", [(1, 3), (4, 3)]), ("Ab,bA->A", [(3, 2), (2, 3)])]:
    case(f"einsum {eq}", "einsum", lambda *ops, equation: torch.einsum(equation, *ops), [r(*s) for s in shapes], {"equation": eq})
x = r(3, 4)
case("linear", "linear", F.linear, [x, r(5, 4), r(5)])
case("linear no bias 3-D", "linear", F.linear, [r(2, 3, 4), r(5, 4)])
case("softplus", "softplus", F.softplus, [r(3, 4) * 5])
case("softplus beta threshold", "softplus", F.softplus, [r(8) * 3], {"beta": 2.0, "threshold": 1.5})
case("silu", "silu", F.silu, [r(3, 4) * 3])
case("elu", "elu", F.elu, [r(3, 4) * 2])
case("elu alpha float64", "elu", F.elu, [r(6, dtype=d64) * 2], {"alpha": 0.7})
case("hardtanh", "hardtanh", F.hardtanh, [r(3, 5) * 2])
case("hardtanh bounds", "hardtanh", F.hardtanh, [r(8) * 2], {"min_val": -0.5, "max_val": 1.5})
case("softmin", "softmin", F.softmin, [r(3, 4)], {"dim": 1})
case("normalize", "normalize", F.normalize, [r(3, 4)])
case("normalize p1 dim0", "normalize", F.normalize, [r(3, 4)], {"p": 1.0, "dim": 0})
case("normalize zero row", "normalize", F.normalize, [torch.tensor([[0.0, 0.0], [3.0, 4.0]])], {"dim": 1}, wrt=())
case("cosine_similarity", "cosine_similarity", F.cosine_similarity, [r(3, 4), r(3, 4)])
case("cosine_similarity broadcast dim -1", "cosine_similarity", F.cosine_similarity, [r(2, 3), r(3)], {"dim": -1})
case("pairwise_distance", "pairwise_distance", F.pairwise_distance, [r(3, 4), r(3, 4)])
case("pairwise_distance p1 keepdim", "pairwise_distance", F.pairwise_distance, [r(3, 4), r(4)], {"p": 1.0, "keepdim": True})
a, b = r(3, 4), r(3, 4)
for red in ["mean", "sum", "none"]:
    case(f"l1_loss {red}", "l1_loss", F.l1_loss, [a, b], {"reduction": red})
    case(f"smooth_l1_loss {red}", "smooth_l1_loss", F.smooth_l1_loss, [a * 2, b], {"reduction": red})
    case(f"huber_loss {red}", "huber_loss", F.huber_loss, [a * 2, b], {"reduction": red})
case("smooth_l1_loss beta", "smooth_l1_loss", F.smooth_l1_loss, [a, b], {"beta": 0.3})
case("smooth_l1_loss beta 0", "smooth_l1_loss", F.smooth_l1_loss, [a, b], {"beta": 0.0})
case("huber_loss delta", "huber_loss", F.huber_loss, [a * 2, b], {"delta": 0.4})
logp = F.log_softmax(r(3, 5), dim=1)
q = F.softmax(r(3, 5), dim=1)
q0 = torch.tensor([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
for red in ["mean", "batchmean", "sum", "none"]:
    case(f"kl_div {red}", "kl_div", F.kl_div, [logp, q], {"reduction": red})
case("kl_div zero target", "kl_div", F.kl_div, [F.log_softmax(r(2, 3), dim=1), q0], {"reduction": "batchmean"}, wrt=(0,))
case("kl_div log_target", "kl_div", F.kl_div, [logp, q.log()], {"reduction": "sum", "log_target": True})

with open(__file__.replace("generate_nn_linalg.py", "nn_linalg.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(len(cases), "cases")
