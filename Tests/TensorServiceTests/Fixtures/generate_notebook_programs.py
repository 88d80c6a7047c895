# Regenerates notebook_programs.json: PyTorch's answers for the notebook cells that
# NotebookProgramTests sends through /v1/eval's evaluator. Each cell is run here verbatim as
# Python with `torch` and `F` in scope and the inputs bound as tensors, so the expected values
# are PyTorch's by construction. Run `python3 generate_notebook_programs.py` (CPU PyTorch);
# the tests read the committed JSON and never need Python.
import json, math
import torch
import torch.nn.functional as F

def num(x):
    if isinstance(x, bool): return x
    if isinstance(x, int): return x
    if math.isnan(x): return "NaN"
    if math.isinf(x): return "Infinity" if x > 0 else "-Infinity"
    return x

def enc(v):
    if isinstance(v, torch.Tensor):
        return {"shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", ""),
                "data": [num(x) for x in v.detach().reshape(-1).tolist()]}
    if isinstance(v, torch.Size):
        return enc(torch.tensor(list(v), dtype=torch.int64))
    if isinstance(v, torch.dtype):
        return {"dtype_name": str(v).replace("torch.", "")}
    if v is None:
        return None
    if isinstance(v, (bool, int, float)):
        return {"number": num(v)}
    if isinstance(v, (tuple, list)):
        return {"items": [enc(x) for x in v]}
    raise TypeError(type(v))

def tensor(spec):
    return torch.tensor(spec["data"], dtype=getattr(torch, spec.get("dtype", "float32")))

cases = []

def case(name, source, inputs={}, outputs=(), error=False):
    env = {"torch": torch, "F": F}
    for k, v in inputs.items():
        env[k] = tensor(v)
    entry = {"name": name, "source": source, "inputs": inputs, "outputs": list(outputs)}
    try:
        exec(source, env)
    except Exception as e:
        assert error, f"{name}: {e!r}"
        entry["error"] = type(e).__name__ + ": " + str(e).split("\n")[0]
        cases.append(entry)
        return
    assert not error, f"{name}: expected an error"
    entry["expected"] = {k: enc(env[k]) for k in outputs}
    cases.append(entry)

x23 = {"data": [[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]]}
x34 = {"data": [[0.5, -1.0, 2.0, 0.25], [1.5, 3.0, -0.5, 2.5], [-2.0, 0.75, 1.0, -1.25]]}
n5 = {"data": [3, 1, 4, 1, 5], "dtype": "int64"}

# (1) The torch spelling.
case("prefixes", "import torch\nimport torch.nn.functional as F\n# a comment\n\ny = torch.relu(x)  # trailing\nz = F.softmax(x, dim=-1)\nw = torch.nn.functional.gelu(x)\nv = x.sum(1)",
     {"x": x23}, ["y", "z", "w", "v"])
case("true_false_none", "a = x.sum(dim=1, keepdim=True)\nb = torch.clamp(x, min=None, max=1.0)\nc = x.max(dim=0, keepdim=False).values", {"x": x23}, ["a", "b", "c"])
case("dtype_names", "a = x.to(torch.float64)\nb = torch.zeros(2, 3, dtype=torch.int64)\nc = torch.ones(2, dtype=torch.double)\nd = x.to(torch.long)\ne = torch.zeros(2, dtype=torch.bool)\nf = torch.ones(3, dtype=torch.float)\ng = x.dtype\nh = torch.zeros(2, dtype=float)",
     {"x": x23}, ["a", "b", "c", "d", "e", "f", "g", "h"])
case("varargs_shapes", "a = x.view(3, 2)\nb = x.view((3, 2))\nc = x.view([6])\nd = torch.zeros(2, 3)\ne = x.permute(1, 0)\nf = x.repeat(2, 1)\ng = x[:1].expand(2, -1)\nh = x.reshape(-1, 2)\ni = torch.ones((2, 2))",
     {"x": x23}, ["a", "b", "c", "d", "e", "f", "g", "h", "i"])
case("tuples", "values, indices = x.topk(2)\na, b = x.split(2, dim=1)\nshape = (2, 3)\nz = torch.zeros(shape)\nr, c = x.shape\np, = (x.sum(),)\nu, v = x",
     {"x": x23}, ["values", "indices", "a", "b", "z", "r", "c", "p", "u", "v"])
case("tensor_literals", "a = torch.tensor([[1., 2.], [3., 4.]])\nb = torch.tensor([1, 2, 3])\nc = torch.tensor([True, False])\nd = torch.tensor([1, 2.5])\ne = torch.tensor(3.0)\nf = torch.tensor([1, 2], dtype=torch.float64)\ng = torch.tensor([0.5, -1.5], requires_grad=True)\nh = torch.tensor([True, 2])\ni = torch.tensor([])\nj = torch.tensor([[1, 2]], dtype=torch.float32)\nk = torch.tensor(7)\nl = torch.tensor([-1.5, 2.7], dtype=torch.long)",
     {}, ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"])
case("literal_ragged", "a = torch.tensor([[1, 2], [3]])", {}, [], error=True)
case("literal_requires_grad_int", "a = torch.tensor([1, 2], requires_grad=True)", {}, [], error=True)

# (2) Indexing.
case("basic_index", "a = x[0]\nb = x[-1]\nc = x[:, 1]\nd = x[1:, ::2]\ne = x[None]\nf = x[..., 1]\ng = x[0, -1]\nh = x[:, None, 2:]\ni = x[::2, ::1]\nj = x[5:]\nk = x[-100:100:3]",
     {"x": x34}, list("abcdefghijk"))
case("views_share_storage", "v = x[1:, 1::2]\nst = v.stride()\nso = v.storage_offset()\nc = v.is_contiguous()\nrow = x[1]\nrow_so = row.storage_offset()\nt = x.T\nts = t.stride()",
     {"x": x34}, ["st", "so", "c", "row_so", "ts"])
case("advanced_index", "a = x[[0, 2]]\nb = x[:, [3, 0, 0]]\nc = x[[0, 1, 2], [3, 2, 1]]\ni = torch.tensor([[0, 1], [2, 0]])\nd = x[i]\ne = x[x > 1]\nf = x[x[:, 0] > 0]\ng = x[[-1, 0], 1:3]\nh = x[1, [0, -1]]\nj = x[[[0], [2]], [1, 3]]\nk = x[:, [1]][[0, 2]]\nm = x[..., [0, 1]]\nn = x[[True, False, True]]",
     {"x": x34}, list("abcdefghjkmn"))
case("advanced_non_adjacent", "y = x.reshape(2, 3, 2)\na = y[[0, 1], :, [1, 0]]\nb = y[:, [0, 2], [1, 1]]\nc = y[0, :, [1, 0]]\nd = y[[1], 1:, None, [0]]",
     {"x": x34}, ["a", "b", "c", "d"])
case("index_errors_out_of_bounds", "a = x[3]", {"x": x34}, [], error=True)
case("index_errors_too_many", "a = x[0, 0, 0]", {"x": x34}, [], error=True)
case("index_errors_advanced_bounds", "a = x[[0, 5]]", {"x": x34}, [], error=True)
case("index_errors_float_index", "a = x[torch.tensor([0.0])]", {"x": x34}, [], error=True)
case("index_grad", "w = x.clone().requires_grad_()\ny = w[[0, 0, 2], 1:3] * torch.tensor([[1.0, 2.0]])\nz = w[1, ::2].sum() + w[w > 1].sum()\n(y.sum() + z).backward()\ng = w.grad",
     {"x": x34}, ["y", "z", "g"])
case("index_assign", "y = x.clone()\ny[0] = 0\ny[:, 1] = torch.tensor([7., 8., 9.])\ny[y < 0] = -1\ny[[1, 2], [0, 3]] = 5\ny[..., -1] += 10\nz = n.clone()\nz[1:3] = 9\nv = x.clone()\nrow = v[2]\nrow[0] = 100\nw = torch.zeros(3)\nw[1] = 2.9\nm = torch.zeros(2, 2, dtype=torch.int64)\nm[0] = 7.9",
     {"x": x34, "n": n5}, ["y", "z", "v", "w", "m"])
case("index_assign_grad", "w = x.clone().requires_grad_()\ny = w * 2\ny[0] = w[1] * w[1]\ny[:, 0] = 0\ny.sum().backward()\ng = w.grad",
     {"x": x34}, ["y", "g"])

# (3) Autograd as PyTorch spells it, and in-place updates.
case("backward_and_grad", "w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)\nloss = (w ** 2).sum()\nloss.backward()\ng1 = w.grad.clone()\nloss2 = (w * 3).sum()\nloss2.backward()\ng2 = w.grad.clone()\nw.grad.zero_()\ng3 = w.grad\nn = w.grad.norm(2)",
     {}, ["g1", "g2", "g3", "n"])
case("grad_none_before_backward", "w = torch.ones(2, requires_grad=True)\ng = w.grad\nr = w.requires_grad\nl = w.is_leaf\ny = w * 2\nyl = y.is_leaf\nyr = y.requires_grad", {}, ["g", "r", "l", "yl", "yr"])
case("backward_gradient_argument", "w = x.clone().requires_grad_(True)\ny = w * w\ny.backward(torch.full((3, 4), 0.5), retain_graph=True)\ny.backward(gradient=torch.full((3, 4), 1.0))\ng = w.grad",
     {"x": x34}, ["g"])
case("autograd_grad_create_graph", "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\ny = (x ** 3).sum()\n(g,) = torch.autograd.grad(y, x, create_graph=True)\nh = torch.autograd.grad(g.sum(), x)[0]\nd = g.detach()",
     {}, ["g", "h", "d"])
case("hand_written_descent", "w = torch.tensor([[0.5], [-0.25]], requires_grad=True)\nb = torch.zeros(1, requires_grad=True)\nlr = 0.1\npred = x @ w + b\nloss = F.mse_loss(pred, y)\nloss.backward()\nwith torch.no_grad():\n    w -= lr * w.grad\n    b -= lr * b.grad\nw.grad.zero_()\nb.grad.zero_()\npred = x @ w + b\nloss = F.mse_loss(pred, y)\nloss.backward()\nwith torch.no_grad():\n    w -= lr * w.grad\n    b -= lr * b.grad\n    w.grad.zero_()\n    b.grad.zero_()\nfinal = F.mse_loss(x @ w + b, y)\nfinal_req = final.requires_grad",
     {"x": {"data": [[1.0, 2.0], [3.0, 4.0], [0.5, -1.0]]}, "y": {"data": [[1.0], [2.0], [0.0]]}}, ["w", "b", "loss", "final", "final_req"])
case("no_grad_block_result", "w = torch.ones(2, requires_grad=True)\nwith torch.no_grad(): y = w * 2\nr = y.requires_grad", {}, ["y", "r"])
case("leaf_in_place_error", "w = torch.ones(2, requires_grad=True)\nw += 1", {}, [], error=True)
case("leaf_in_place_method_error", "w = torch.ones(2, requires_grad=True)\nw.add_(1)", {}, [], error=True)
case("leaf_index_assign_error", "w = torch.ones(2, requires_grad=True)\nw[0] = 5.0", {}, [], error=True)
case("in_place_methods", "y = x.clone()\ny.add_(1)\ny.mul_(2)\ny.clamp_(min=0, max=5)\nz = x.clone()\nz.zero_()\nf = x.clone()\nf.fill_(3)\ns = x.clone()\ns -= 1\ns *= x\ns /= 2\ni = n.clone()\ni += 2\nv = x.clone()\nview = v[0]\nview.mul_(10)\nd = x.detach()\ne = x.clone()\ne.sub_(x)",
     {"x": x23, "n": n5}, ["y", "z", "f", "s", "i", "v", "e"])
case("in_place_int_float_error", "i = n.clone()\ni += 0.5", {"n": n5}, [], error=True)
case("in_place_non_leaf_grad", "w = x.clone().requires_grad_()\ny = w * 1\ny.mul_(w)\ny.add_(1)\ny.sum().backward()\ng = w.grad",
     {"x": x23}, ["y", "g"])
case("modified_saved_tensor_error", "w = x.clone().requires_grad_()\ny = w * 1\nz = y * y\ny.add_(1)\nz.sum().backward()", {"x": x23}, [], error=True)

# (4) Attributes and casts.
case("attributes", "s = x.shape\ns0 = x.shape[0]\nsz = x.size()\nsz1 = x.size(1)\nszm = x.size(-1)\nd = x.dim()\nnd = x.ndim\nne = x.numel()\nt = x.T\nst = x.stride()\nso = x.storage_offset()\nc = x.is_contiguous()\ntc = x.t().is_contiguous()\nit = x[0, 1].item()\nv = x.view(x.size(0), -1)\nm = x.sum().item()\nk = n[2].item()\nb = (x > 0)[0, 0].item()\nl = len(x)\ndt = x.data",
     {"x": x23, "n": n5}, ["s", "s0", "sz", "sz1", "szm", "d", "nd", "ne", "t", "st", "so", "c", "tc", "it", "v", "m", "k", "b", "l", "dt"])
case("casts", "a = n.float()\nb = x.double()\nc = x.long()\nd = x.bool()\ne = n.to(torch.float64)\nf = x.to(dtype=torch.int64)\ng = (x > 0).long()\nh = x.to(n)\ni = n.float() / 2\nj = x.float()",
     {"x": x23, "n": n5}, list("abcdefghij"))
case("methods_as_pytorch", "a = x.sum(1)\nb = x.max(dim=0)\nc = x.clamp(min=0)\nd = x.mean()\ne = x.abs().sqrt()\nf = x.exp().log()\ng = x.pow(2)\nh = x.transpose(0, 1)\ni = x.flatten()\nj = x.unsqueeze(0).squeeze(0)\nk = x.softmax(-1)\nm = x.norm()\no = x.matmul(x.t())\np = x.min(1).indices",
     {"x": x23}, list("abcdefghijkmop"))

# (5) Everyday cells: print and f-strings (accepted, showing nothing), Python's % and //,
# creation, joining, losses.
case("print_is_accepted", "y = x * 2\nprint(y)\nprint(f\"y is {y}\", y.shape)\nprint('sum', y.sum().item())", {"x": x23}, ["y"])
case("floor_divide_and_remainder", "a = n // 2\nb = n % 3\nc = x % 2\nd = x // 2\ne = 7 // 2\nf = -7 % 3", {"x": x23, "n": n5}, list("abcdef"))
case("autograd_grad_allow_unused", "a = torch.ones(2, requires_grad=True)\nb = torch.ones(2, requires_grad=True)\ny = (a * 2).sum()\nga, gb = torch.autograd.grad(y, [a, b], allow_unused=True)", {}, ["ga", "gb"])
case("autograd_grad_unused_error", "a = torch.ones(2, requires_grad=True)\nb = torch.ones(2, requires_grad=True)\ny = (a * 2).sum()\nga, gb = torch.autograd.grad(y, [a, b])", {}, [], error=True)
case("everyday", "r = torch.arange(6).view(2, 3)\nm = r.float().mean(dim=1)\nc = torch.cat((x, x), dim=0)\ns = torch.stack([x[0], x[1]], dim=1)\nlogits = torch.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.0]])\ntarget = torch.tensor([0, 1])\nloss = F.cross_entropy(logits, target)\nprobs = torch.softmax(logits, dim=1)\ng = x.t() @ x\nh = torch.matmul(x, x.T)\nl = torch.linspace(0, 1, 5)\ne = torch.eye(3)\nf = torch.full((2, 2), 7.0)\nnm = x.norm(dim=1)\nk = x.mean(0, keepdim=True)\nz = (x - x.mean()) / x.abs().max()",
     {"x": x23}, ["r", "m", "c", "s", "loss", "probs", "g", "h", "l", "e", "f", "nm", "k", "z"])

with open(__file__.replace("generate_notebook_programs.py", "notebook_programs.json"), "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": cases}, f, indent=1)
print(len(cases), "cases")
