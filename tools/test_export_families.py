"""pytest: zoo's legacy .h5 and .keras exports of fine-tuned issue-16 backbones load in Keras
with zoo's predictions, check_export.py's contract (max |P - keras| <= 1e-4, argmax agreeing but
for near-ties):

- MobileNetV3Small (hard_swish, and hard_sigmoid in its squeeze-excite): the .h5 loads in
  tf_keras and in Keras 3 (tf_keras's `hard_sigmoid` is 0.2 x + 0.5 and it has no hard_silu, so
  zoo writes both as Rescaling -> ReLU(6) -> Rescaling [-> Multiply]); the .keras in Keras 3,
  keeping Keras 3's own Activation names.
- ConvNeXtTiny (Activation("gelu"), exact erf in both Kerases and in zoo): the same, with
  keras.applications' LayerScale given as a custom object to the .h5 loaders (Keras's own
  ConvNeXt .h5 files need it too; the .keras archive names LayerScale's module, as Keras 3's do).

Each backbone starts from seeded non-trivial Keras weights (tools/make_fullmodel_fixtures.py's
`fill`, written by Keras 3's save_weights), is fine-tuned by `zoo finetune --unfreeze` on 300
digits for 2 epochs at 32 px, and predicted by `zoo predict` on 100 test digits.

Run: ZOO=.build/release/zoo /work/main/.venv/bin/python -m pytest -q tools/test_export_families.py
(about 1-2 minutes with a release build).
"""
import json
import os
import sys
import zipfile

import h5py
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from zootools import mnist, zoo  # noqa: E402
from zootools.frameworks import forward, keras, np, tf_keras  # noqa: E402
from make_fullmodel_fixtures import fill  # noqa: E402

TOL = 1e-4
LIMIT = 100
HARD = {"hard_sigmoid", "hard_silu", "hard_swish"}

# name -> (Keras builder, custom objects of the .h5 loaders, extra finetune arguments)
CASES = {
    "mobilenetv3small": (keras.applications.MobileNetV3Small, {}, []),
    "convnexttiny": (keras.applications.ConvNeXtTiny, {
        keras: {"LayerScale": keras.src.applications.convnext.LayerScale},
        tf_keras: {"LayerScale": tf_keras.src.applications.convnext.LayerScale},
    }, ["--lr", "1e-5"]),  # its large features would saturate the softmax at Adam's default rate
}


def activations(path):
    """The `activation` of every Activation layer in the file's config."""
    if path.endswith(".keras"):
        with zipfile.ZipFile(path) as z:
            config = json.loads(z.read("config.json"))
    else:
        with h5py.File(path, "r") as f:
            config = json.loads(f.attrs["model_config"])
    return {layer["config"]["activation"] for layer in config["config"]["layers"] if layer["class_name"] == "Activation"}


def compare(p, y, what):
    assert p.shape == y.shape, what
    error = float(np.abs(p - y).max())
    top2 = np.sort(p, axis=1)[:, -2:]
    ties = (top2[:, 1] - top2[:, 0] <= 2e-4)
    disagree = (p.argmax(1) != y.argmax(1)) & ~ties
    print(f"{what}: max |zoo - keras| {error:.3g}, probabilities {p.min():.3g}..{p.max():.3g}")
    assert error <= TOL, f"{what}: max |zoo - keras| {error}"
    assert not disagree.any(), f"{what}: argmax differs on rows {np.where(disagree)[0]}"


@pytest.mark.parametrize("model", sorted(CASES))
def test_exports_load_in_both_kerases(tmp_path, model):
    build, custom, extra = CASES[model]
    keras.backend.clear_session()
    backbone = build(weights=None, include_top=False, input_shape=(32, 32, 3))
    fill(backbone, np.random.default_rng(16))
    for v in backbone.weights:
        if "layer_scale" in v.path:
            # Smaller residual branches keep the fine-tuned head's softmax off its saturation,
            # where it would hide differences in the features.
            v.assign(v * 0.02)
    weights = str(tmp_path / f"{model}.weights.h5")
    backbone.save_weights(weights)
    x = mnist.digits("test")[0][:LIMIT, :, :, None].astype(np.float32)
    for suffix in ("h5", "keras"):
        out = str(tmp_path / f"{model}.{suffix}")
        zoo.run(["finetune", "--model", model, "--weights", weights, "--size", "32", "--limit", "300",
                 "--epochs", "2", "--unfreeze", "10", "--no-cache", "--output", out] + extra, timeout=900, check=True)
        predictions = str(tmp_path / f"{model}.{suffix}.predictions.h5")
        zoo.run(["predict", "--model-file", out, "--split", "test", "--limit", str(LIMIT), "--output", predictions],
                timeout=600, check=True)
        with h5py.File(predictions, "r") as f:
            p = np.asarray(f["probabilities"])
        assert p.max() - p.min() > 0.05, f"{out}: probabilities {p.min()}..{p.max()} say nothing"
        kinds = activations(out)
        if model == "convnexttiny":
            assert "gelu" in kinds, kinds
        if suffix == "h5":
            assert not kinds & HARD, f"{out}: {kinds & HARD} in a legacy .h5"
        elif model == "mobilenetv3small":
            assert kinds & HARD, f"{out}: Keras 3 archives keep Keras 3's hard activations"
        for k in (tf_keras, keras) if suffix == "h5" else (keras,):
            k.backend.clear_session()
            loaded = k.models.load_model(out, compile=False, custom_objects=custom.get(k) if suffix == "h5" else None)
            compare(p, forward(loaded, x), f"{model}.{suffix} in {k.__name__} {k.__version__}")
