"""Times the `tensord-bench train` model in PyTorch on this machine and prints the ratio.

Same run on both sides: the 1,797 UCI digits (Tests/TrainingTests/Fixtures/digits.csv)
standardised with training statistics, an MLP 64→128→10 (ReLU), cross-entropy, Adam
(lr 1e-3), batch 32, a fresh shuffle each epoch, the loss and accuracy of every step read
back (as Trainer reports them), one untimed warm-up epoch, then the median of N epochs.

Usage (from the package root):  python3 scripts/bench_train_torch.py [epochs]
It builds and runs `swift run -c release tensord-bench train --json` itself."""
import json, os, statistics, subprocess, sys, time
import torch

torch.set_num_threads(2)
EPOCHS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

rows = [list(map(float, l.split(","))) for l in open(os.path.join(ROOT, "Tests/TrainingTests/Fixtures/digits.csv")) if l.strip()]
X = torch.tensor([r[:-1] for r in rows], dtype=torch.float32)
y = torch.tensor([int(r[-1]) for r in rows], dtype=torch.int64)
std = X.std(0, unbiased=False)
X = (X - X.mean(0)) / torch.where(std > 0, std, torch.ones_like(std))

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.CrossEntropyLoss()
n, bs = X.shape[0], 32

def epoch():
    order = torch.randperm(n)
    for k in range(0, n, bs):
        idx = order[k:k + bs]
        xb, yb = X[idx], y[idx]
        logits = model(xb)
        loss = loss_fn(logits, yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss.item(); (logits.argmax(1) == yb).sum().item()

epoch()
# Wall time, and process CPU time (all threads), which other load on a shared machine
# disturbs less.
times, cpu = [], []
for _ in range(EPOCHS):
    t, c = time.perf_counter(), time.process_time()
    epoch()
    times.append((time.perf_counter() - t) * 1e3); cpu.append((time.process_time() - c) * 1e3)
torch_ms, torch_cpu = statistics.median(times), statistics.median(cpu)
steps = (n + bs - 1) // bs
print(f"PyTorch {torch.__version__} (2 threads): epoch median {torch_ms:.2f} ms, min {min(times):.2f} ms ({torch_ms * 1e3 / steps:.0f} µs/step), CPU {torch_cpu:.2f} ms")

out = subprocess.run(["swift", "run", "-c", "release", "tensord-bench", "train", "--json", "--epochs", str(EPOCHS)],
                     cwd=ROOT, capture_output=True, text=True, check=True).stdout
swift = json.loads(out.strip().splitlines()[-1])
ms = swift["epoch_ms_median"]
cpu_ms = swift["epoch_cpu_ms_median"]
print(f"Tensord: epoch median {ms:.2f} ms, min {swift['epoch_ms_min']:.2f} ms ({ms * 1e3 / steps:.0f} µs/step), CPU {cpu_ms:.2f} ms, data: {swift['data']}")
print(f"ratio Tensord / PyTorch = {ms / torch_ms:.2f} (wall, median)  {swift['epoch_ms_min'] / min(times):.2f} (wall, best)  {cpu_ms / torch_cpu:.2f} (CPU time)")
