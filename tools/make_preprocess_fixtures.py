#!/usr/bin/env python3
"""Write Tests/Fixtures/preprocess/resize.h5: TensorFlow's resize and caffe
preprocessing of 8 built-in MNIST test digits, the reference for the Swift
Preprocessor (compared there with max abs error <= 1e-3 on the 0-255 scale).

  /digits      uint8   [8, 28, 28]   test digits at /indices (one per class 0-6 and 9)
  /indices     int64   [8]           their positions in the sample's test split
  /labels      int64   [8]
  /resized_S   float32 [n, S, S]     tf.image.resize(x[..., None], (S, S)) squeezed
  /caffe_S     float32 [n, S, S, 3]  keras.applications.vgg16.preprocess_input(grayscale_to_rgb(resized))
  for S in 32, 48, 56, 64 (n = 8) and 224 (n = 2, the first two digits only: size).
"""
import os

import h5py

from zootools import ROOT, mnist
from zootools.frameworks import keras, np, tf, tf_keras
from zootools.parity import assert_close
from zootools.preprocess import digits_to_input, resize_digits

OUT = os.path.join(ROOT, "Tests", "Fixtures", "preprocess", "resize.h5")
# The test split is sorted by label, 100 per class: these spread over the classes.
INDICES = [0, 150, 250, 350, 450, 550, 650, 950]
SIZES = {32: 8, 48: 8, 56: 8, 64: 8, 224: 2}  # size -> how many digits


def textbook_resize(digits, size):
    """Half-pixel bilinear as the Swift side implements it, in float32:
    src = (i + 0.5) * (in / out) - 0.5, lower = max(floor, 0),
    upper = min(ceil, in - 1), lerp = src - floor; along x, then along y."""
    def table(n_in):
        src = (np.arange(size, dtype=np.float32) + np.float32(0.5)) * (np.float32(n_in) / np.float32(size)) - np.float32(0.5)
        low = np.floor(src)
        return np.maximum(low, 0).astype(int), np.minimum(np.ceil(src), n_in - 1).astype(int), src - low

    x = digits.astype(np.float32)
    (r0, r1, ry), (c0, c1, cx) = table(x.shape[1]), table(x.shape[2])
    top = x[:, r0][:, :, c0] + (x[:, r0][:, :, c1] - x[:, r0][:, :, c0]) * cx
    bottom = x[:, r1][:, :, c0] + (x[:, r1][:, :, c1] - x[:, r1][:, :, c0]) * cx
    return top + (bottom - top) * ry[:, None]


def main():
    images, labels = mnist.digits("test")
    digits = images[INDICES]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    # gzip + shuffle: the caffe arrays are 3 near-copies of mostly-background
    # images; uncompressed the file would be ~3.2 MB.
    z = dict(compression="gzip", compression_opts=9, shuffle=True)
    with h5py.File(OUT, "w") as f:
        f.create_dataset("digits", data=digits, **z)
        f.create_dataset("indices", data=np.asarray(INDICES, np.int64))
        f.create_dataset("labels", data=labels[INDICES])
        for size, n in SIZES.items():
            resized = resize_digits(digits[:n], size)
            caffe = np.asarray(digits_to_input(digits[:n], size, keras.applications.vgg16.preprocess_input))
            # zoo has one caffe path for both backbones (and compare_features
            # uses tf_keras's): all three must agree exactly.
            for other in (keras.applications.resnet50.preprocess_input,
                          tf_keras.applications.vgg16.preprocess_input):
                assert np.array_equal(np.asarray(digits_to_input(digits[:n], size, other)), caffe), other
            resized = np.asarray(resized)[..., 0]
            textbook = assert_close(textbook_resize(digits[:n], size), resized, 1e-3, f"textbook resize {size}")
            f.create_dataset(f"resized_{size}", data=resized, **z)
            f.create_dataset(f"caffe_{size}", data=caffe, **z)
            print(f"size {size:3d}: {n} digits, caffe {caffe.shape} in [{caffe.min():.2f}, {caffe.max():.2f}], "
                  f"textbook-formula resize max abs diff {textbook:g}")
        f.attrs["tensorflow_version"] = tf.__version__
        f.attrs["keras_version"] = keras.__version__
    print(f"wrote {os.path.relpath(OUT, ROOT)} ({os.path.getsize(OUT) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
