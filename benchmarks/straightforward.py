"""The yardstick: the straightforward script a user would write (numpy.loadtxt, a Python loop, csv.writer).

python benchmarks/straightforward.py GRADIENTS.csv OUT.csv
"""

import csv
import math
import sys

import numpy as np


def main(src: str, dst: str) -> None:
    g = np.loadtxt(src, skiprows=1, ndmin=1)
    rho, eps, lr = 0.95, 1e-6, 1.0
    eg2 = edx2 = x = 0.0
    with open(dst, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["t", "param", "g", "eg2", "edx2_prev", "eta", "dx", "edx2", "x"])
        for t, gt in enumerate(g.tolist(), start=1):
            eg2 = rho * eg2 + (1 - rho) * gt * gt
            eta = math.sqrt(edx2 + eps) / math.sqrt(eg2 + eps)
            dx = -eta * gt
            prev = edx2
            edx2 = rho * edx2 + (1 - rho) * dx * dx
            x += lr * dx
            w.writerow([t, "x", gt, eg2, prev, eta, dx, edx2, x])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
