"""Keras weight files written by hand, and the input/output pairs `zoo forward` reads and writes.

All writers of "look-alike" files live here so that make_fixtures.py and compare_full.py produce
identical layouts. Needs h5py and numpy (TensorFlow only for write_io's default keras_version).
"""
import h5py
import numpy as np

from zootools.models import role_of

# Keras 1 variable names (keras/layers/{convolutional,core,normalization}.py, 2016).
# Note: Keras 1 "running_std" really held the variance.
KERAS1_NAMES = {"kernel": "W", "bias": "b", "gamma": "gamma", "beta": "beta",
                "moving_mean": "running_mean", "moving_variance": "running_std"}


def model_entries(model, rename=None):
    """[(layer_name, [(role, float32 array), ...]), ...] for all model.layers
    (weightless ones included, as Keras writes them). rename maps model layer
    names to file layer names."""
    rename = rename or {}
    return [(rename.get(layer.name, layer.name),
             [(role_of(w), np.asarray(v, np.float32))
              for w, v in zip(layer.weights, layer.get_weights())])
            for layer in model.layers]


def fixed_strings(names):
    """Fixed-length NULLPAD 'S<maxlen>' array, as h5py 2.x stored np.asarray(bytes list)."""
    return np.asarray([n.encode("utf8") for n in names])


def keras_chunks(names, num_chunks):
    """Keras's save_attributes_to_hdf5_group split: np.array_split of the
    fixed-length array, so every chunk keeps the dtype S<max over all names>."""
    return np.array_split(fixed_strings(names), num_chunks)


def set_name_list(group, attr, names, encoding, num_chunks=1):
    """Write a layer_names/weight_names attribute.

    encoding "fixed": S<maxlen> NULLPAD (h5py 2.x, official files);
    "vlen": variable-length ASCII (what h5py 3 / current Keras write).
    An empty list is float64[0] (np.asarray([])) in both cases, never H5S_NULL.
    """
    if not names:
        group.attrs[attr] = np.zeros(0, np.float64)
    elif num_chunks > 1:
        for i, chunk in enumerate(keras_chunks(names, num_chunks)):
            group.attrs[f"{attr}{i}"] = chunk
    elif encoding == "fixed":
        group.attrs[attr] = fixed_strings(names)
    else:
        group.attrs[attr] = [n.encode("utf8") for n in names]


def scalar_string(value, encoding):
    # Fixed: np.bytes_ -> H5T_STRING of exactly len(value), NULLPAD (h5py 2.x
    # wrote Python bytes like this). vlen: bytes -> variable-length ASCII.
    return np.bytes_(value.encode()) if encoding == "fixed" else value.encode()


def write_legacy_h5(path, entries, *, layout, encoding, keras_version=None,
                    backend=None, layer_chunks=1, weight_chunks=None):
    """Write a legacy Keras weights file by hand.

    layout "nested" (Keras 2): datasets at <layer>/<layer>/<role>:0.
    layout "keras1" (Keras 1, flat): datasets at <layer>/<layer>_<W|b|...>_1:0.
    keras_version/backend None -> attribute absent (Keras 1 files had neither).
    weight_chunks: {layer_name: n} to split that layer's weight_names.
    """
    weight_chunks = weight_chunks or {}
    with h5py.File(path, "w") as f:
        set_name_list(f, "layer_names", [n for n, _ in entries], encoding, layer_chunks)
        if backend is not None:
            f.attrs["backend"] = scalar_string(backend, encoding)
        if keras_version is not None:
            f.attrs["keras_version"] = scalar_string(keras_version, encoding)
        for name, weights in entries:
            g = f.create_group(name)
            if layout == "keras1":
                wnames = [f"{name}_{KERAS1_NAMES[role]}_1:0" for role, _ in weights]
            else:
                wnames = [f"{name}/{role}:0" for role, _ in weights]
            set_name_list(g, "weight_names", wnames, encoding, weight_chunks.get(name, 1))
            for wname, (_, value) in zip(wnames, weights):
                g.create_dataset(wname, data=value)  # intermediate groups made by h5py


def write_keras1_flat(path, entries):
    """Look-alike of the official VGG16 files (Keras 1, Aug 2016, h5py 2.x)."""
    write_legacy_h5(path, entries, layout="keras1", encoding="fixed")


def write_keras2_nested(path, entries, keras_version="2.2.4"):
    """Look-alike of the official ResNet50 files (Keras 2.2.x, h5py 2.x)."""
    write_legacy_h5(path, entries, layout="nested", encoding="fixed",
                    keras_version=keras_version, backend="tensorflow")


def write_io(path, x, y, keras_version=None):
    """Input/expected-output pair: /input, /output (unless y is None) float32 and
    @keras_version (default: the tf_keras version)."""
    if keras_version is None:
        from zootools.frameworks import TF_KERAS_VERSION as keras_version
    with h5py.File(path, "w") as f:
        f.create_dataset("input", data=np.asarray(x, np.float32))
        if y is not None:
            f.create_dataset("output", data=np.asarray(y, np.float32))
        f.attrs["keras_version"] = keras_version


def read_output(path, name="output"):
    with h5py.File(path, "r") as f:
        return np.asarray(f[name], np.float32)
