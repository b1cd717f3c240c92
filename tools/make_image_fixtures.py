#!/usr/bin/env python3
"""Image-folder fixtures for zoo's decoders, resizing and Keras-order splits.

Writes Tests/Fixtures/images/:
  folder/   a small image_dataset_from_directory folder: Fashion-MNIST items (Debian's
            dataset-fashion-mnist, or the built-in MNIST sample when it is missing) as PNG and
            JPEG, and colour images of varied sizes and modes made with PIL (RGBA, palette with
            transparency, gray+alpha, 16-bit gray and RGB PNG; 4:2:0, 4:4:4, 4:2:2, progressive,
            optimised-Huffman, restart-marker, gray and CMYK JPEG; 24/32-bit and palette BMP; a
            transparent and an animated GIF), plus what Keras ignores (a text file, a hidden
            class folder) and a PNG named .jpg.
  expected.h5
    decoded/<i>/<mode>   tf.io.decode_image(channels=c, expand_animations=False) of file i
                         (absent where TensorFlow refuses the file in that mode)
    resized/<i>/<mode>   what Keras's image_dataset_from_directory(image_size=(H, W),
                         color_mode=mode) yields for file i (its _load_image_tf), float32, and
                         resized_crop/<i>/<mode> with crop_to_aspect_ratio=True
    attributes: files (relative, sorted walk order), class_names, labels, size,
                split_<seed>_<fraction>_{training,validation}: Keras's subsets of the folder.

Also importable: write_fashion_folders() and colour_images() for tools/compare_images.py.
"""
import gzip
import io
import os
import shutil
import struct
import sys
import zlib

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FASHION = "/usr/share/datasets/fashion-mnist"
CLASS_NAMES = ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot"]
SIZE = (20, 24)
SEEDS = [(1337, 0.2), (7, 0.3), (123456789, 0.5)]


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    rank = data[3]
    shape = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(shape)


def fashion(split="t10k"):
    """(images [N, 28, 28] uint8, labels [N]) of Fashion-MNIST, or of zoo's MNIST sample."""
    directory = FASHION if os.path.isdir(FASHION) else os.path.join(ROOT, "Sources/ZooData/Resources/mnist-sample")
    x = read_idx(os.path.join(directory, f"{split}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(directory, f"{split}-labels-idx1-ubyte.gz"))
    return x, y


def write_fashion_folders(out, per_class, fmt="png", split="t10k", quality=90):
    """Writes `per_class` items of each class as out/<class>/<index>.<fmt>; returns the count."""
    x, y = fashion(split)
    n = 0
    for label, name in enumerate(CLASS_NAMES):
        os.makedirs(os.path.join(out, name), exist_ok=True)
        for i in np.flatnonzero(y == label)[:per_class]:
            img = Image.fromarray(x[i], "L")
            path = os.path.join(out, name, f"{i:05d}.{fmt}")
            img.save(path, quality=quality) if fmt == "jpg" else img.save(path)
            n += 1
    return n


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png16(array):
    """A 16-bit PNG (gray [H, W] or RGB [H, W, 3] uint16), which PIL cannot write for RGB."""
    h, w = array.shape[:2]
    color = 2 if array.ndim == 3 else 0
    raw = b"".join(b"\x00" + array[r].astype(">u2").tobytes() for r in range(h))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, color, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))


def colour_images(rng):
    """(file name, bytes) of colour images in the modes and formats zoo must decode as TF does."""
    def photo(w, h):
        yy, xx = np.mgrid[0:h, 0:w]
        base = np.stack([xx * 255 // max(w - 1, 1), yy * 255 // max(h - 1, 1), (xx + yy) * 127 // max(w + h - 2, 1)], -1)
        return np.clip(base + rng.integers(-40, 40, (h, w, 3)), 0, 255).astype(np.uint8)

    def save(img, fmt, **kw):
        b = io.BytesIO()
        img.save(b, fmt, **kw)
        return b.getvalue()

    rgb = Image.fromarray(photo(37, 23))
    rgba = Image.fromarray(np.dstack([photo(29, 41), rng.integers(0, 256, (41, 29), dtype=np.uint8)]), "RGBA")
    pal = Image.fromarray(photo(19, 31)).quantize(16)
    pal.info["transparency"] = 3
    la = Image.fromarray(np.dstack([photo(17, 13)[..., 0], rng.integers(0, 256, (13, 17), dtype=np.uint8)]), "LA")
    gray = Image.fromarray(photo(33, 27)[..., 1], "L")
    cmyk = Image.fromarray(photo(26, 18)).convert("CMYK")
    gif = Image.fromarray(photo(21, 15)).quantize(8)
    frames = [Image.fromarray(photo(16, 12)).quantize(8), Image.fromarray(photo(16, 12)).quantize(8)]
    anim = io.BytesIO()
    frames[0].save(anim, "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    return [
        ("rgba.png", save(rgba, "PNG")),
        ("palette_trns.png", save(pal, "PNG", transparency=3)),
        ("gray_alpha.png", save(la, "PNG")),
        ("gray16.png", png16(rng.integers(0, 65536, (14, 22), dtype=np.uint16))),
        ("rgb16.png", png16(rng.integers(0, 65536, (18, 11, 3), dtype=np.uint16))),
        ("gray.png", save(gray, "PNG")),
        ("rgb420.jpg", save(rgb, "JPEG", quality=85)),
        ("rgb444.jpeg", save(rgb, "JPEG", quality=95, subsampling=0)),
        ("rgb422.jpg", save(Image.fromarray(photo(53, 35)), "JPEG", quality=75, subsampling=1)),
        ("optimised.jpg", save(Image.fromarray(photo(61, 47)), "JPEG", quality=70, optimize=True)),
        ("restarts.jpg", save(Image.fromarray(photo(50, 40)), "JPEG", quality=80, restart_marker_blocks=3)),
        ("progressive.jpg", save(Image.fromarray(photo(45, 30)), "JPEG", progressive=True, quality=80)),
        ("gray.jpg", save(gray, "JPEG")),
        ("cmyk.jpg", save(cmyk, "JPEG")),
        ("rgb.bmp", save(rgb, "BMP")),
        ("gray.bmp", save(gray, "BMP")),
        ("rgba.bmp", save(rgba, "BMP")),
        ("transparent.gif", save(gif, "GIF", transparency=2)),
        ("animated.gif", anim.getvalue()),
        ("png_named.jpg", save(Image.fromarray(photo(12, 10)), "PNG")),
    ]


def make_folder(out):
    if os.path.exists(out):
        shutil.rmtree(out)
    rng = np.random.default_rng(15)
    x, y = fashion()
    for label, name in enumerate(["bag", "coat", "sandal"]):
        os.makedirs(os.path.join(out, name, "nested", "deeper"), exist_ok=True)
        for k, i in enumerate(np.flatnonzero(y == [8, 4, 5][label])[:4]):
            img = Image.fromarray(x[i], "L")
            sub = ["", "nested", "nested/deeper", ""][k]
            ext = [".png", ".JPG", ".png", ".jpeg"][k]
            img.save(os.path.join(out, name, sub, f"item{k}{ext}"), "JPEG" if "J" in ext.upper() else "PNG")
    for k, (fname, data) in enumerate(colour_images(rng)):
        with open(os.path.join(out, ["bag", "coat", "sandal"][k % 3], fname), "wb") as f:
            f.write(data)
    with open(os.path.join(out, "bag", "notes.txt"), "w") as f:
        f.write("not an image\n")
    os.makedirs(os.path.join(out, ".hidden"), exist_ok=True)
    Image.fromarray(x[0], "L").save(os.path.join(out, ".hidden", "ignored.png"))


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    from keras.src.utils import dataset_utils, image_dataset_utils

    base = os.path.join(ROOT, "Tests/Fixtures/images")
    folder = os.path.join(base, "folder")
    make_folder(folder)
    paths, labels, classes = dataset_utils.index_directory(
        folder, "inferred", formats=image_dataset_utils.ALLOWLIST_FORMATS, shuffle=False, verbose=False)
    rel = [os.path.relpath(p, folder) for p in paths]
    import h5py
    with h5py.File(os.path.join(base, "expected.h5"), "w") as f:
        f.attrs["files"] = rel
        f.attrs["class_names"] = classes
        f.attrs["labels"] = np.asarray(labels, np.int64)
        f.attrs["size"] = np.asarray(SIZE, np.int64)
        for i, p in enumerate(paths):
            raw = tf.io.read_file(p)
            for mode, c in (("rgb", 3), ("grayscale", 1), ("rgba", 4)):
                try:
                    f[f"decoded/{i}/{mode}"] = tf.io.decode_image(raw, channels=c, expand_animations=False).numpy()
                except Exception:  # noqa: BLE001 - TF refuses some format/mode pairs (e.g. GIF gray)
                    pass
            for mode, c in (("rgb", 3), ("grayscale", 1), ("rgba", 4)):
                for crop in (False, True):
                    try:  # Keras's own per-file loading (decode, smart_resize or tf.image.resize)
                        img = image_dataset_utils._load_image_tf(
                            p, SIZE, c, "bilinear", "channels_last", crop_to_aspect_ratio=crop)
                        f[f"resized{'_crop' if crop else ''}/{i}/{mode}"] = img.numpy().astype(np.float32)
                    except Exception:  # noqa: BLE001 - as decoded/ above
                        pass
        for seed, fraction in SEEDS:
            for subset in ("training", "validation"):
                p, _, _ = dataset_utils.index_directory(
                    folder, "inferred", formats=image_dataset_utils.ALLOWLIST_FORMATS, shuffle=True, seed=seed, verbose=False)
                s, _ = dataset_utils.get_training_or_validation_split(p, list(range(len(p))), fraction, subset)
                f.attrs[f"split_{seed}_{fraction}_{subset}"] = [os.path.relpath(q, folder) for q in s]
    print(f"{len(paths)} images in {folder}; expectations in {base}/expected.h5")


if __name__ == "__main__":
    main()
