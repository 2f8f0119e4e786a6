"""Reproduce the seed tutorial's linear-model figures into out/ (or the folder given).

    python examples/linear_models.py [out_dir]

1. Bishop's classic: 10 evenly spaced noisy points of sin(2 pi x), polynomial fits of degree 0, 1, 3, 9.
2. Train/test MSE against degree (overfitting).
3. Ridge on the raw monomial basis, degree 9, every coefficient penalised as in
   (X^T X + lambda I)^-1 X^T y: fits at ln(lambda) = -18 and 0, the ridge path, and train/test
   MSE against lambda with the lambda chosen by closed-form leave-one-out.
4. The (a, b) loss landscape of a linear fit f(x) = a x + b to the cubic toy data (MSE, plus
   L1 and L-inf for comparison).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import torch

import linfit
from linfit import data, landscape, plots, selection


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    x, y = data.sine_grid(10, 0.3, seed=3)
    x_test, y_test = data.sine(100, 0.3, seed=4)

    # 1. degree 0, 1, 3, 9
    degrees = [0, 1, 3, 9]
    fits = [linfit.fit(x, y, "poly", d) for d in degrees]
    plots.plot_fits(x, y, fits, truth=data.sine_curve, titles=[f"M = {d}" for d in degrees],
                    path=out / "linfit_sine_fits.png")  # fmt: skip
    for d, f in zip(degrees, fits, strict=True):
        print(f"degree {d}: {f}")

    # 2. train / test MSE against degree, one QR for all degrees
    table = selection.degree_sweep(x, y, range(10), test=(x_test, y_test))
    print(table)
    plots.plot_mse_vs_degree(table, log=False, path=out / "linfit_mse_vs_degree.png")

    # 3. ridge on raw monomials (the seed's formula penalises every coefficient: intercept=False)
    lams = [math.exp(-18), 1.0]
    rfits = [linfit.fit(x, y, "monomial", 9, ridge=lam, intercept=False) for lam in lams]
    plots.plot_fits(x, y, rfits, truth=data.sine_curve,
                    titles=[f"M = 9, ln lambda = {math.log(lam):.0f}" for lam in lams],
                    path=out / "linfit_ridge_monomial_fits.png")  # fmt: skip
    grid = torch.exp(torch.linspace(-40, 2, 60, dtype=torch.float64))
    coefs, basis = selection.ridge_path(x, y, grid, "monomial", 9, intercept=False)
    plots.plot_ridge_path(grid, coefs, names=basis.column_names(),
                          path=out / "linfit_ridge_path.png")  # fmt: skip
    rtable = selection.ridge_sweep(
        x, y, grid, "monomial", 9, intercept=False, test=(x_test, y_test)
    )
    loo = selection.ridge_loo(x, y, grid, "monomial", 9, intercept=False)
    print(f"ridge (monomial, degree 9): LOO picks ln lambda = {math.log(float(loo.best_lambda)):.1f}; "
          f"test MSE there {float(rtable.test[int(loo.best_index)]):.4f}")  # fmt: skip
    fig = plots.plot_mse_vs_degree(rtable)
    ax = fig.axes[0]
    ax.plot(grid.numpy(), loo.loo.numpy(), "^-", ms=3, label="LOO")
    ax.axvline(float(loo.best_lambda), color="k", ls="--", lw=0.8)
    ax.legend()
    fig.savefig(out / "linfit_mse_vs_lambda.png", dpi=110)

    # 4. loss landscape of f(x) = a x + b on the cubic toy data
    xc, yc = data.cubic(100, 0.1, seed=0)
    best = linfit.fit(xc, yc, "monomial", 1)
    b_opt, a_opt = (float(v) for v in best.coef)
    a = torch.linspace(a_opt - 3, a_opt + 3, 201, dtype=torch.float64)
    b = torch.linspace(b_opt - 3, b_opt + 3, 201, dtype=torch.float64)
    mse = landscape.mse_landscape(xc, yc, a, b)
    plots.plot_landscape(a, b, mse, optimum=(a_opt, b_opt), title="MSE",
                         path=out / "linfit_landscape_cubic.png")  # fmt: skip
    for p, name in ((1.0, "L1"), (math.inf, "Linf")):
        surf = landscape.lp_landscape(xc, yc, a, b, p)
        i, j = divmod(int(surf.argmin()), surf.shape[1])
        plots.plot_landscape(a, b, surf, optimum=(float(a[i]), float(b[j])), title=name,
                             path=out / f"linfit_landscape_cubic_{name.lower()}.png")  # fmt: skip
    print(f"cubic toy data: least-squares line a = {a_opt:.4f}, b = {b_opt:.4f}; "
          f"min MSE on the grid {float(mse.min()):.5f}")  # fmt: skip
    print(f"figures written to {out}/linfit_*.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"))
