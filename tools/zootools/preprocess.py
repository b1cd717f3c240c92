"""The TensorFlow pipeline that `zoo features` mirrors: resize digits, gray to RGB, caffe preprocessing.

TensorFlow is imported on first use (through zootools.frameworks), so the constants can be used
without it.
"""
# caffe-mode preprocess_input: RGB -> BGR, then minus these ImageNet means (BGR order).
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


def resize_digits(digits, size):
    """uint8 [N, H, W] -> float32 tensor [N, size, size, 1] with tf.image.resize's defaults
    (bilinear, half-pixel centres, no antialiasing): what zoo reproduces."""
    import numpy as np
    from zootools.frameworks import tf
    return tf.image.resize(np.asarray(digits)[..., None], (size, size))


def digits_to_input(digits, size, preprocess_input):
    """resize -> gray to RGB -> preprocess_input (caffe: RGB->BGR, minus ImageNet means). Works on
    a tensor on purpose: on a float numpy array preprocess_input edits its input in place."""
    from zootools.frameworks import tf
    return preprocess_input(tf.image.grayscale_to_rgb(resize_digits(digits, size)))


def preprocess_for(backbone):
    """tf_keras's preprocess_input of a backbone (tiny_vgg: VGG16's, caffe mode)."""
    from zootools.frameworks import tf_keras
    return getattr(tf_keras.applications, "vgg16" if backbone == "tiny_vgg" else backbone).preprocess_input
