"""TensorFlow, tf_keras (Keras 2) and Keras 3 (TensorFlow backend), imported side by side.

tf_keras is the reference implementation of the legacy .h5 formats, Keras 3 of .weights.h5 and
.keras. Importing this module sets TF_CPP_MIN_LOG_LEVEL and KERAS_BACKEND (unless set) first.
"""
import os

# Must be set before TensorFlow is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402
import keras  # noqa: E402
from tf_keras.src.saving.legacy import hdf5_format as tfk_hdf5  # noqa: E402

tf.get_logger().setLevel("ERROR")

TF_KERAS_VERSION = tf_keras.__version__
KERAS3_VERSION = keras.__version__


def forward(model, x):
    """Inference forward pass (not model.predict: no batching or callbacks). Works for tf_keras
    and Keras 3 models (both return TF tensors here)."""
    return np.asarray(model(x, training=False))


def clear_sessions():
    """Frees the models of both Keras versions (between full-size cases)."""
    tf_keras.backend.clear_session()
    keras.backend.clear_session()
