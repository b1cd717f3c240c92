"""Writes Tests/Fixtures/augment/augment.h5: Keras 3's image augmentation layers (RandomFlip,
RandomRotation, RandomZoom, RandomTranslation, RandomContrast) and keras.ops.image.affine_transform
on small images with transformations fixed here, not drawn, so zoo's geometry can be compared with
Keras's exactly (Tests/ZooLayersTests/Layers/Random*Tests.swift, AffineTransformTests.swift).

Datasets: `images` [3, 9, 7, 2] in 0..255; for each layer case `<case>/y` and the parameters
zoo is given (`angles` in degrees, `zooms` [N, 2] as (height, width), `translations` [N, 2] in
pixels as (dx, dy), `flips` [N], `factors` [N]); `affine/<fill>_<interp>/y` for every fill mode
and interpolation with one projective transform per image (`affine/transforms` [N, 8]); and
`ranges/<layer>` the (low, high) range each layer's random parameter is drawn from, read back from
the layer built with the factor named in `ranges/<layer>.attrs["factor"]`. Also
augmented_model.keras: a Keras 3 model with the five layers in front of a Dense softmax (as the
transfer-learning guide builds one), and in augment.h5 `model/x` with Keras's inference output
`model/y` (the augmentation is the identity there).

Run: .venv/bin/python tools/make_augment_fixtures.py   (Keras 3 with the TensorFlow backend)
"""
import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

L = keras.layers
ops = keras.ops


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "augment", "augment.h5"))
    args = parser.parse_args()
    rng = np.random.default_rng(15)
    images = rng.uniform(0, 255, size=(3, 9, 7, 2)).astype("float32")
    n, h, w = images.shape[:3]
    with h5py.File(args.output, "w") as f:
        f["images"] = images

        # Angles past +-90 degrees and a large zoom-out reach the reflection's second period.
        angles = np.array([17.0, -123.0, 250.0], "float32")
        layer = L.RandomRotation(0.5)
        matrix = layer._compute_affine_matrix(
            center_x=0.5, center_y=0.5, angle=ops.convert_to_tensor(angles),
            translate_x=ops.zeros([n]), translate_y=ops.zeros([n]), scale=ops.ones([n]),
            shear_x=ops.zeros([n]), shear_y=ops.zeros([n]), height=h, width=w)
        y = layer.transform_images(images, {"rotation_matrix": matrix}, training=True)
        f["rotation/angles"] = angles
        f["rotation/y"] = np.asarray(y)

        zooms = np.array([[0.8, 1.3], [1.7, 1.7], [2.9, 0.6]], "float32")
        layer = L.RandomZoom(0.5, 0.5)
        y = layer.transform_images(images, {"height_zoom": zooms[:, :1], "width_zoom": zooms[:, 1:]}, training=True)
        f["zoom/zooms"] = zooms
        f["zoom/y"] = np.asarray(y)

        translations = np.array([[1.5, -2.25], [-6.4, 3.0], [13.0, -17.5]], "float32")
        layer = L.RandomTranslation(0.5, 0.5)
        y = layer.transform_images(images, {"translations": translations}, training=True)
        f["translation/translations"] = translations
        f["translation/y"] = np.asarray(y)

        flips = np.array([True, False, True])
        for mode in ("horizontal", "vertical", "horizontal_and_vertical"):
            layer = L.RandomFlip(mode)
            y = layer.transform_images(images, {"flips": flips.reshape(n, 1, 1, 1)}, training=True)
            f[f"flip_{mode}/y"] = np.asarray(y)
        f["flips"] = flips.astype("int64")

        # 1.6 pushes values past 255, 0.3 keeps them inside: the clipping and the plain case.
        factors = np.array([1.6, 0.3, 1.05], "float32")
        layer = L.RandomContrast(0.9)
        y = layer.transform_images(images, {"contrast_factor": factors.reshape(n, 1, 1, 1)}, training=True)
        f["contrast/factors"] = factors
        f["contrast/y"] = np.asarray(y)

        transforms = np.array([
            [0.9, -0.3, 2.5, 0.4, 1.1, -3.0, 0.01, -0.02],
            [-1.0, 0.0, 6.0, 0.0, 1.0, 0.0, 0.0, 0.0],
            [2.2, 0.7, -9.0, -0.5, 2.6, -8.0, 0.0, 0.0],
        ], "float32")
        f["affine/transforms"] = transforms
        for fill in ("reflect", "wrap", "constant", "nearest"):
            for interpolation in ("bilinear", "nearest"):
                y = ops.image.affine_transform(images, transforms, interpolation=interpolation, fill_mode=fill,
                                               fill_value=7.0)
                f[f"affine/{fill}_{interpolation}/y"] = np.asarray(y)

        for name, layer, low, high, factor in [
            ("rotation", L.RandomRotation(0.1), None, None, 0.1),
            ("zoom", L.RandomZoom(0.1), None, None, 0.1),
            ("translation", L.RandomTranslation(0.1, 0.1), None, None, 0.1),
            ("contrast", L.RandomContrast(0.1), None, None, 0.1),
        ]:
            if name == "rotation":
                low, high = layer.factor[0] * 360.0, layer.factor[1] * 360.0  # degrees
            elif name == "zoom":
                low, high = 1.0 + layer.height_lower, 1.0 + layer.height_upper
            elif name == "translation":
                low, high = layer.height_lower, layer.height_upper  # fraction of the size
            else:
                low, high = 1.0 - layer.factor[0], 1.0 + layer.factor[1]
            d = f.create_dataset(f"ranges/{name}", data=np.array([low, high], "float64"))
            d.attrs["factor"] = factor
            # What the layer draws: every sample of a large batch lies inside the range.
            samples = np.asarray(_draw(name, layer))
            assert samples.min() >= low - 1e-6 and samples.max() <= high + 1e-6, (name, samples.min(), samples.max())
        inputs = keras.Input((6, 5, 1), name="digits")
        x = L.RandomFlip("horizontal")(inputs)
        x = L.RandomRotation(0.1)(x)
        x = L.RandomZoom(0.1)(x)
        x = L.RandomTranslation(0.1, 0.1)(x)
        x = L.RandomContrast(0.1)(x)
        x = L.Flatten()(x)
        outputs = L.Dense(3, activation="softmax", name="predictions")(x)
        model = keras.Model(inputs, outputs, name="augmented")
        model.get_layer("predictions").set_weights(
            [rng.normal(0, 0.02, (30, 3)).astype("float32"), rng.normal(0, 0.1, 3).astype("float32")])
        model.save(os.path.join(os.path.dirname(args.output), "augmented_model.keras"))
        x = rng.uniform(0, 255, size=(4, 6, 5, 1)).astype("float32")
        f["model/x"] = x
        f["model/y"] = np.asarray(model.predict(x, verbose=0))
    print(args.output)


def _draw(name, layer):
    images = np.zeros((512, 9, 7, 2), "float32")
    t = layer.get_random_transformation(images, training=True)
    if name == "rotation":
        return t["angle"]
    if name == "zoom":
        return t["height_zoom"]
    if name == "translation":
        return np.asarray(t["translations"])[:, 1] / 9.0
    return t["contrast_factor"]


if __name__ == "__main__":
    main()
