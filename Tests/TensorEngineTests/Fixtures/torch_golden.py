# JSON encoding shared by the golden generators (generate_*.py): tensors as the wire format
# spells them (non-finite floats as strings), op arguments tagged with their type.
import math
import torch

def enc(t):
    if t is None:
        return None
    def v(x):
        if isinstance(x, bool): return x
        if isinstance(x, int): return x
        if math.isnan(x): return "NaN"
        if math.isinf(x): return "Infinity" if x > 0 else "-Infinity"
        return x
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
            "data": [v(x) for x in t.detach().reshape(-1).tolist()]}

def arg(x):
    if isinstance(x, str): return {"string": x}
    if isinstance(x, torch.dtype): return {"string": str(x).replace("torch.", "")}
    if isinstance(x, bool): return {"bool": x}
    if isinstance(x, int): return {"int": x}
    if isinstance(x, float):
        if math.isfinite(x): return {"float": x}
        return {"string_float": "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")}
    if isinstance(x, (list, tuple)): return {"ints": list(x)}
    if x is None: return {"null": True}
    raise TypeError(x)
