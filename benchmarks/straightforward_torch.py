"""The yardstick built around torch.optim.Adadelta: the same script with PyTorch doing the arithmetic.

python benchmarks/straightforward_torch.py GRADIENTS.csv OUT.csv   (needs torch)
"""

import csv
import sys

import numpy as np
import torch


def main(src: str, dst: str) -> None:
    g = np.loadtxt(src, skiprows=1, ndmin=1)
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.Adadelta([param], lr=1.0, rho=0.95, eps=1e-6)
    with open(dst, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["t", "param", "g", "eg2", "edx2_prev", "eta", "dx", "edx2", "x"])
        for t, gt in enumerate(g.tolist(), start=1):
            before = param.item()
            state = opt.state.get(param, {})
            prev = state["acc_delta"].item() if "acc_delta" in state else 0.0
            param.grad = torch.tensor([gt], dtype=torch.float64)
            opt.step()
            state = opt.state[param]
            eg2, edx2, x = state["square_avg"].item(), state["acc_delta"].item(), param.item()
            dx = x - before
            eta = -dx / gt if gt else float("nan")
            w.writerow([t, "x", gt, eg2, prev, eta, dx, edx2, x])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
