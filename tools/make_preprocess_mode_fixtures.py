#!/usr/bin/env python3
"""Write Tests/Fixtures/preprocess/modes.h5: Keras 3's preprocess_input in its three modes on the
same arrays, the reference for zoo's PreprocessingMode (caffe, tf, torch) and its digit pipeline.

  /rgb          float32 [2, 5, 7, 3]    random RGB pixels in [0, 255]
  /MODE         float32 [2, 5, 7, 3]    keras.applications.FAMILY.preprocess_input(rgb) for
                                        caffe (vgg19), tf (resnet_v2), torch (densenet),
                                        none (convnext: the model preprocesses inside)
  /digits       uint8   [2, 28, 28]     the first two built-in test digits
  /digits_MODE  float32 [2, 32, 32, 3]  preprocess_input(grayscale_to_rgb(tf.image.resize(digits, 32)))
"""
import os

import h5py

from zootools import ROOT, mnist
from zootools.frameworks import keras, np
from zootools.preprocess import digits_to_input

OUT = os.path.join(ROOT, "Tests", "Fixtures", "preprocess", "modes.h5")
FAMILIES = {"caffe": keras.applications.vgg19, "tf": keras.applications.resnet_v2,
            "torch": keras.applications.densenet, "none": keras.applications.convnext}


def main():
    rgb = np.random.default_rng(14).uniform(0, 255, (2, 5, 7, 3)).astype(np.float32)
    digits = mnist.digits("test")[0][:2]
    with h5py.File(OUT, "w") as f:
        f.create_dataset("rgb", data=rgb)
        f.create_dataset("digits", data=digits)
        for mode, family in FAMILIES.items():
            # preprocess_input edits a float numpy array in place: give it a copy.
            f.create_dataset(mode, data=np.asarray(family.preprocess_input(rgb.copy()), np.float32))
            f.create_dataset(f"digits_{mode}", data=np.asarray(digits_to_input(digits, 32, family.preprocess_input), np.float32))
        f.attrs["keras_version"] = keras.__version__
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
