"""Agreement with the real frameworks, from golden vectors written by scripts/make_golden.py.

torch.optim.Adadelta (float64 and float32, single-tensor and foreach) and keras.optimizers.Adadelta (Keras 3 on
the torch backend). No framework is needed to run these tests.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from adadelta_cli.maths import core, presets

GOLDEN = sorted((Path(__file__).parent / "golden").glob("*.json"))
# Adadelta's own vectors only (the golden folder also holds other optimizers' and closed-loop runs).
ADADELTA = [p for p in GOLDEN if p.name.startswith(("torch_", "keras_", "optax_", "tf1_"))]


def load(path):
    return json.loads(path.read_text())


def ours(doc, dtype=None):
    s = dict(doc["settings"])
    if doc["framework"] == "tf1":  # TF1 holds ρ, ε and lr in float32: the tf1 preset's rounding
        s = presets.finish({**s, "hyper_float32": True})
    settings = core.Settings(rho=s["rho"], eps=s["eps"], lr=s["lr"], weight_decay=s["weight_decay"],
                             weight_decay_mode=s["weight_decay_mode"], maximize=s["maximize"],
                             dtype=dtype or doc["dtype"], lr_dtype=s.get("lr_dtype", "float64"))
    grads = np.array(doc["grads"])
    return core.run(grads, settings, core.init(s["x0"], size=grads.shape[1], dtype=settings.dtype))


def test_golden_vectors_are_present():
    names = {p.name for p in ADADELTA}
    assert len(ADADELTA) >= 60
    for variant in ("float64_single", "float64_foreach", "float32_single", "float32_foreach"):
        assert f"torch_article_{variant}.json" in names
    assert {"keras_weight_decay_float64.json", "keras_keras_defaults_float64.json", "optax_weight_decay_float64.json",
            "tf1_article_float64.json"} <= names


@pytest.mark.parametrize("path", [p for p in ADADELTA if load(p)["dtype"] == "float64"], ids=lambda p: p.stem)
def test_float64_matches_framework(path):
    # PyTorch and Keras: every element within 1e-12 relative. optax and TF1 order their float64 operations
    # differently, and where x crosses zero the element's own relative error is ill-conditioned for any
    # reordering; they are held to 1e-12 of the parameter's scale (its largest |value|) instead.
    doc = load(path)
    steps = ours(doc)
    for name in ("x", "eg2", "edx2"):
        ref = np.array(doc["steps"][name])
        got = getattr(steps, name)
        if doc["framework"] in ("torch", "keras"):
            scale = np.maximum(np.abs(ref), np.finfo(float).tiny)
        else:
            scale = np.maximum(np.max(np.abs(ref), axis=0), np.finfo(float).tiny)
        rel = np.abs(got - ref) / scale
        assert np.all((rel <= 1e-12) | (got == ref)), (name, float(rel.max()))


def ulps_of_scale(got, ref):
    """|got − ref| in units of the float32 ulp of the largest |ref| of the parameter (robust near zero)."""
    scale = np.spacing(np.max(np.abs(ref), axis=0).astype(np.float32)).astype(np.float64)
    scale = np.where(scale > 0, scale, np.spacing(np.float32(0)))
    return np.abs(got.astype(np.float64) - ref) / scale


@pytest.mark.parametrize("path", [p for p in ADADELTA if load(p)["dtype"] == "float32" and p.name.startswith("torch")],
                         ids=lambda p: p.stem)
def test_float32_follows_torch_kernels(path):
    # Bitwise but for PyTorch's float32 square root (MKL's, within 0.75 ulp rather than correctly rounded):
    # E[g²] involves no root and is bitwise equal; the rest stays within a few ulps.
    doc = load(path)
    steps = ours(doc)
    ref_eg2 = np.array(doc["steps"]["eg2"], dtype=np.float32)
    assert np.array_equal(steps.eg2, ref_eg2)
    for name, limit in (("x", 8), ("edx2", 16)):
        ref = np.array(doc["steps"][name])
        assert ulps_of_scale(getattr(steps, name), ref).max() <= limit, name


def test_float32_is_bitwise_on_the_article():
    for variant in ("single", "foreach"):
        doc = load(Path(__file__).parent / "golden" / f"torch_article_float32_{variant}.json")
        steps = ours(doc)
        for name in ("x", "eg2", "edx2"):
            assert np.array_equal(getattr(steps, name), np.array(doc["steps"][name], dtype=np.float32))


@pytest.mark.parametrize("path", [p for p in ADADELTA if load(p)["dtype"] == "float32"
                                  and p.name.startswith(("keras", "optax", "tf1"))], ids=lambda p: p.stem)
def test_float32_near_other_frameworks(path):
    # Keras, optax and TF1 order their float32 operations their own way; the float32 mode follows PyTorch's,
    # so only closeness holds.
    doc = load(path)
    steps = ours(doc)
    for name in ("x", "eg2", "edx2"):
        assert ulps_of_scale(getattr(steps, name), np.array(doc["steps"][name])).max() <= 64, name


def test_float32_differs_from_float64():
    doc = load(Path(__file__).parent / "golden" / "torch_pytorch_defaults_float64_single.json")
    assert not np.array_equal(ours(doc, "float32").x.astype(np.float64), ours(doc, "float64").x)


def test_live_frameworks_agree():
    torch = pytest.importorskip("torch", reason="torch is not installed: the live comparison is skipped "
                                "(the golden vectors above hold the same check)")
    g = [0.3, -0.1, 0.0, 2.0, -1e-3]
    param = torch.nn.Parameter(torch.tensor([0.5], dtype=torch.float64))
    opt = torch.optim.Adadelta([param], lr=0.7, rho=0.9, eps=1e-6, weight_decay=0.01)
    xs = []
    for v in g:
        param.grad = torch.tensor([v], dtype=torch.float64)
        opt.step()
        xs.append(param.item())
    steps = core.run(g, core.Settings(rho=0.9, eps=1e-6, lr=0.7, weight_decay=0.01), core.init(0.5, size=1))
    assert steps.x[:, 0].tolist() == pytest.approx(xs, rel=1e-13)


@pytest.mark.parametrize("framework,preset", [("torch", "pytorch"), ("keras", "keras"), ("optax", "optax"),
                                              ("tf1", "tf1")])
def test_presets_are_the_frameworks_defaults(framework, preset):
    """Each row of the README's Conventions table: the defaults as read from the framework itself."""
    import numpy as np

    d = load(Path(__file__).parent / "golden" / f"defaults_{framework}.json")
    p = presets.finish(dict(presets.PRESETS[preset]))
    assert p["rho"] == pytest.approx(d["rho"], rel=1e-7) and p["eps"] == pytest.approx(d["eps"], rel=1e-7)
    if d["lr"] is None:
        assert p["lr"] is None  # optax: learning_rate=None, so the preset asks for --lr
    elif framework == "keras":
        assert d["lr_variable_dtype"] == "float32" and p["lr_dtype"] == "float32"
        assert float(np.float32(p["lr"])) == d["lr"]
    else:
        assert p["lr"] == pytest.approx(d["lr"], rel=1e-7)


def test_learning_rate_never_enters_the_accumulator_in_any_framework():
    """Where lr applies: every framework's E[Δx²] is the same for lr = 1 and for its own small lr."""
    for framework, name in (("torch", "torch_keras_defaults_float64_single"), ("keras", "keras_keras_defaults_float64"),
                            ("optax", "optax_keras_defaults_float64"), ("tf1", "tf1_keras_defaults_float64")):
        doc = load(Path(__file__).parent / "golden" / f"{name}.json")
        assert doc["settings"]["lr"] == 0.001
        unscaled = ours({**doc, "settings": {**doc["settings"], "lr": 1.0}})
        ref = np.array(doc["steps"]["edx2"])
        assert np.max(np.abs(unscaled.edx2 - ref) / ref) < 1e-6, framework  # TF1: ρ, ε in float32


def test_decoupled_weight_decay_is_keras_form():
    doc = load(Path(__file__).parent / "golden" / "keras_weight_decay_float64.json")
    assert doc["settings"]["weight_decay_mode"] == "decoupled"
    coupled = ours({**doc, "settings": {**doc["settings"], "weight_decay_mode": "coupled"}})
    assert not np.allclose(coupled.x, np.array(doc["steps"]["x"]), rtol=1e-9)
