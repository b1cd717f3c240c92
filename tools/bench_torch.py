#!/usr/bin/env python3
"""The PyTorch side of tools/benchmarks.py: the same work as zoo and Keras, on CPU.

  python tools/bench_torch.py forward --model vgg16|resnet50 --size 32 --batch 64 (--seconds 5 | --batches 3)
  python tools/bench_torch.py features --data DIR --split test [--limit N] [--size 32] [--batch 64]
  python tools/bench_torch.py head --rows 60000 --epochs 3 [--batch 128]
  python tools/bench_torch.py train --model mlp|cnn --data DIR --epochs 1 [--limit N] [--batch 128]
  python tools/bench_torch.py check [--keras]   # parameter counts (and outputs) against Keras

Each run prints one JSON object on stdout (progress on stderr).

torchvision is not used (its PyPI wheel is a CUDA build that does not import next to this torch,
and its ResNet50 is v1.5): the networks are written out here as Keras builds them.
- VGG16 (keras.applications.vgg16, no top): 13 3x3 'same' convolutions with bias and ReLU, five
  2x2 max pools; 14,714,688 parameters, as Keras.
- ResNet50 v1 (keras.applications.resnet.ResNet50, no top): 7x7/2 stem, 3x3/2 max pool, stacks
  of (64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2) bottleneck blocks with the stride on the
  *first* 1x1 convolution (v1; torchvision's v1.5 puts it on the 3x3), a 1x1 projection shortcut
  in each stack's first block, BatchNormalization epsilon 1.001e-5 and biases on every
  convolution as Keras has them: 23,534,592 parameters + 53,120 BN statistics = Keras's
  count_params() 23,587,712; without the convolution biases (PyTorch's usual bias=False before
  BN) 23,508,032. `check` verifies these counts; `check --keras` also
copies seeded random weights (BN statistics far from identity, non-zero biases) from tf_keras's
keras.applications models into these and compares the outputs at 32x32 (max |diff| <= 1e-4 x max |keras|).
Inference: eval mode, torch.inference_mode(), channels_last tensors and weights (oneDNN's
preferred layout on CPU, and NHWC as in Keras and zoo), PyTorch's default initialisation.
Inputs are Keras-preprocessed ranges (uniform -120..140), as `zoo bench` uses.
Threads: torch.set_num_threads(--threads) and set_num_interop_threads(--threads), before any work.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

import torch
import torch.nn as nn
import torch.nn.functional as F

from zootools import mnist, models
from zootools.preprocess import CAFFE_MEAN_BGR
from zootools.timing import timed
VGG16_BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))
RESNET50_STACKS = ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2))
BN_EPSILON = 1.001e-5


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- networks

class VGG16(nn.Module):
    """keras.applications.VGG16(include_top=False, pooling=pooling)."""

    def __init__(self, pooling=None):
        super().__init__()
        layers, c = [], 3
        for filters, convs in VGG16_BLOCKS:
            for _ in range(convs):
                layers += [nn.Conv2d(c, filters, 3, padding=1), nn.ReLU(inplace=True)]
                c = filters
            layers.append(nn.MaxPool2d(2, 2))
        self.features = nn.Sequential(*layers)
        self.pooling = pooling

    def forward(self, x):
        return pool(self.features(x), self.pooling)


class Bottleneck(nn.Module):
    """keras.applications.resnet.residual_block_v1: stride on the first 1x1 convolution."""

    def __init__(self, c_in, filters, stride, projection, bias=True):
        super().__init__()
        def conv_bn(ci, co, k, s=1):
            return nn.Sequential(nn.Conv2d(ci, co, k, stride=s, padding=k // 2, bias=bias),
                                 nn.BatchNorm2d(co, eps=BN_EPSILON))
        self.shortcut = conv_bn(c_in, 4 * filters, 1, stride) if projection else None
        self.conv1 = conv_bn(c_in, filters, 1, stride)
        self.conv2 = conv_bn(filters, filters, 3)
        self.conv3 = conv_bn(filters, 4 * filters, 1)

    def forward(self, x):
        shortcut = self.shortcut(x) if self.shortcut is not None else x
        y = F.relu(self.conv1(x), inplace=True)
        y = F.relu(self.conv2(y), inplace=True)
        return F.relu(self.conv3(y) + shortcut, inplace=True)


class ResNet50(nn.Module):
    """keras.applications.ResNet50(include_top=False, pooling=pooling) (v1)."""

    def __init__(self, pooling=None, bias=True):
        super().__init__()
        # ZeroPadding2D(3) + Conv2D(7, 2, valid) == padding 3; ZeroPadding2D(1) + MaxPooling2D(3, 2)
        # == padding 1 (PyTorch pads with -inf, Keras with 0: equal after the ReLU).
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=bias),
                                  nn.BatchNorm2d(64, eps=BN_EPSILON), nn.ReLU(inplace=True),
                                  nn.MaxPool2d(3, 2, padding=1))
        blocks, c = [], 64
        for filters, count, stride in RESNET50_STACKS:
            for i in range(count):
                blocks.append(Bottleneck(c, filters, stride if i == 0 else 1, projection=i == 0, bias=bias))
                c = 4 * filters
        self.blocks = nn.Sequential(*blocks)
        self.pooling = pooling

    def forward(self, x):
        return pool(self.blocks(self.stem(x)), self.pooling)


def pool(x, pooling):
    if pooling == "avg":
        return x.mean((2, 3))
    if pooling == "max":
        return x.amax((2, 3))
    return x


def backbone(name, pooling=None, layout="channels_last"):
    model = {"vgg16": VGG16, "resnet50": ResNet50}[name](pooling).eval()
    return model.to(memory_format=torch.channels_last) if layout == "channels_last" else model


def parameter_counts():
    """Checks the networks against Keras's counts; returns them."""
    vgg = sum(p.numel() for p in VGG16().parameters())
    resnet = ResNet50()
    params = sum(p.numel() for p in resnet.parameters())
    stats = sum(b.numel() for n, b in resnet.named_buffers() if n.endswith(("running_mean", "running_var")))
    no_bias = sum(p.numel() for p in ResNet50(bias=False).parameters())
    counts = {"vgg16": vgg, "resnet50_parameters": params, "resnet50_bn_statistics": stats,
              "resnet50_keras_count_params": params + stats, "resnet50_without_conv_bias": no_bias}
    expected = {"vgg16": 14_714_688, "resnet50_keras_count_params": 23_587_712,
                "resnet50_without_conv_bias": 23_508_032}
    wrong = {k: (counts[k], v) for k, v in expected.items() if counts[k] != v}
    if wrong:
        raise SystemExit(f"bench_torch.py: parameter counts differ from Keras's (got, expected): {wrong}")
    return counts


def compare_with_keras(size=32, seed=0):
    """Same weights, same input: this file's networks against tf_keras's keras.applications."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tf_keras
    rng = np.random.default_rng(seed)
    report = {}
    for name in ("vgg16", "resnet50"):
        keras_model = models.application(tf_keras, name, size, pooling="avg")
        layers = {layer.name: layer for layer in keras_model.layers}
        if name == "vgg16":
            names = [f"block{b + 1}_conv{i + 1}" for b, (_, n) in enumerate(VGG16_BLOCKS) for i in range(n)]
            pairs = [(layers[n], None) for n in names]
        else:  # module order of ResNet50 above: stem, then per block shortcut (_0), _1, _2, _3
            names = ["conv1"] + [f"conv{s + 2}_block{i + 1}_{j}" for s, (_, count, _) in enumerate(RESNET50_STACKS)
                                 for i in range(count) for j in ((0, 1, 2, 3) if i == 0 else (1, 2, 3))]
            pairs = [(layers[n + "_conv"], layers[n + "_bn"]) for n in names]
        torch_model = backbone(name, "avg")
        convs = [m for m in torch_model.modules() if isinstance(m, nn.Conv2d)]
        bns = [m for m in torch_model.modules() if isinstance(m, nn.BatchNorm2d)]
        assert len(convs) == len(pairs) and len(bns) == sum(bn is not None for _, bn in pairs)
        with torch.no_grad():
            for (conv, bn), tconv in zip(pairs, convs):
                kernel, bias = conv.get_weights()
                bias = rng.normal(0, 0.05, bias.shape).astype(np.float32)
                conv.set_weights([kernel, bias])
                tconv.weight.copy_(torch.from_numpy(kernel.transpose(3, 2, 0, 1)))  # HWIO -> OIHW
                tconv.bias.copy_(torch.from_numpy(bias))
            for (_, bn), tbn in zip([p for p in pairs if p[1] is not None], bns):
                values = [rng.uniform(0.5, 1.5, tbn.num_features), rng.normal(0, 0.1, tbn.num_features),
                          rng.normal(0, 0.1, tbn.num_features), rng.uniform(0.5, 2, tbn.num_features)]
                values = [v.astype(np.float32) for v in values]
                bn.set_weights(values)
                for t, v in zip((tbn.weight, tbn.bias, tbn.running_mean, tbn.running_var), values):
                    t.copy_(torch.from_numpy(v))
                assert abs(tbn.eps - bn.epsilon) < 1e-12
        x = rng.uniform(-120, 140, (4, size, size, 3)).astype(np.float32)
        expected = keras_model(x, training=False).numpy()
        with torch.inference_mode():
            got = torch_model(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)).numpy()
        diff, scale = float(np.abs(expected - got).max()), float(np.abs(expected).max())
        report[name] = {"max_abs_diff": diff, "max_abs_keras": scale}
        if not diff <= 1e-4 * scale:
            raise SystemExit(f"bench_torch.py: {name} differs from Keras: max |diff| {diff} (max |keras| {scale})")
    return report


# ---------------------------------------------------------------- tasks

def task_forward(args):
    model = backbone(args.model, layout=args.layout)
    x = torch.empty(args.batch, 3, args.size, args.size).uniform_(-120, 140, generator=torch.Generator().manual_seed(2))
    if args.layout == "channels_last":
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        for _ in range(args.warmup):
            model(x)
        calls, elapsed = timed(lambda: model(x), args.seconds, args.batches)
    return {"model": args.model, "size": args.size, "batch": args.batch, "batches": calls, "seconds": elapsed,
            "images_per_second": calls * args.batch / elapsed, "variant": args.layout}


def preprocess(digits, size, layout="channels_last"):
    """uint8 [N, H, W] -> caffe-preprocessed float [N, 3, size, size] in `layout`: bilinear
    resize with half-pixel centres and no antialiasing (tf.image.resize's defaults), gray to RGB,
    RGB -> BGR, minus the ImageNet means."""
    x = F.interpolate(digits.unsqueeze(1).float(), size=(size, size), mode="bilinear",
                      align_corners=False, antialias=False)
    x = x.expand(-1, 3, -1, -1).flip(1)  # gray -> RGB -> BGR
    x = x - torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1)
    return x.contiguous(memory_format=torch.channels_last if layout == "channels_last" else torch.contiguous_format)


def task_features(args):
    images, _ = mnist.digits(args.split, args.data)
    if args.limit:
        images = images[:args.limit]
    digits = torch.from_numpy(np.ascontiguousarray(images))
    model = backbone("vgg16", "avg", args.layout)
    with torch.inference_mode():
        for _ in range(args.warmup):  # not timed (as Keras's trace)
            model(preprocess(digits[:args.batch], args.size, args.layout))
        t0 = time.perf_counter()
        out = np.concatenate([model(preprocess(digits[i:i + args.batch], args.size, args.layout)).numpy()
                              for i in range(0, len(digits), args.batch)])
        elapsed = time.perf_counter() - t0
    return {"model": "vgg16", "size": args.size, "batch": args.batch, "variant": args.layout, "count": len(out),
            "dimension": out.shape[1],
            "seconds": elapsed, "images_per_second": len(out) / elapsed}


class Head(nn.Module):
    def __init__(self, features, hidden=256, dropout=0.5, classes=10):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
                                 nn.Linear(hidden, classes))

    def forward(self, x):
        return self.net(x)


class Scratch(nn.Module):
    """zoo's mlp and cnn (Sources/ZooModels/ScratchModels.swift); input raw 0-255 digits [N, 1, 28, 28],
    Rescaling(1/255) inside; logits out (softmax is in the loss, as zoo's fused cross-entropy)."""

    def __init__(self, name, height=28, width=28, classes=10):
        super().__init__()
        if name == "mlp":
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(height * width, 512), nn.ReLU(inplace=True),
                                     nn.Linear(512, 256), nn.ReLU(inplace=True), nn.Linear(256, classes))
        else:
            flat = 64 * ((height - 4) // 2) * ((width - 4) // 2)
            self.net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(inplace=True), nn.Conv2d(32, 64, 3),
                                     nn.ReLU(inplace=True), nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
                                     nn.Linear(flat, 128), nn.ReLU(inplace=True), nn.Dropout(0.5),
                                     nn.Linear(128, classes))

    def forward(self, x):
        return self.net(x * (1 / 255))


def fit(model, x, y, epochs, batch, prepare=lambda t: t):
    """model.fit's work in PyTorch: shuffled mini-batches, Adam (Keras's defaults: lr 1e-3,
    epsilon 1e-7), cross-entropy on logits, running loss and accuracy. Returns per-epoch records."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    model.train()
    records, g = [], torch.Generator().manual_seed(0)
    for epoch in range(epochs):
        t0 = time.perf_counter()
        order = torch.randperm(len(y), generator=g)
        loss_sum, correct = 0.0, 0
        for i in range(0, len(y), batch):
            rows = order[i:i + batch]
            xb, yb = prepare(x[rows]), y[rows]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(rows)
            correct += int((logits.argmax(1) == yb).sum())
        seconds = time.perf_counter() - t0
        records.append({"epoch": epoch + 1, "seconds": seconds, "loss": loss_sum / len(y), "accuracy": correct / len(y)})
        log(f"Epoch {epoch + 1}/{epochs} - {seconds:.2f}s - loss: {loss_sum / len(y):.4f} - accuracy: {correct / len(y):.4f}")
    return records


def task_head(args):
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((args.rows, args.features), dtype=np.float32))
    y = torch.from_numpy(rng.integers(0, 10, args.rows))
    records = fit(Head(args.features), x, y, args.epochs, args.batch)
    return {"rows": args.rows, "features": args.features, "batch": args.batch, "epochs": records,
            "epoch_seconds": [r["seconds"] for r in records]}


def task_train(args):
    images, labels = mnist.digits("train", args.data)
    if args.limit:
        images, labels = images[:args.limit], labels[:args.limit]
    x = torch.from_numpy(np.ascontiguousarray(images)).unsqueeze(1)  # uint8 [N, 1, H, W]
    y = torch.from_numpy(labels)
    model = Scratch(args.model, *images.shape[1:])
    if args.model == "cnn" and args.layout == "channels_last":
        model = model.to(memory_format=torch.channels_last)
        prepare = lambda t: t.float().contiguous(memory_format=torch.channels_last)  # noqa: E731
    else:
        prepare = lambda t: t.float()  # noqa: E731
    records = fit(model, x, y, args.epochs, args.batch, prepare)
    return {"model": args.model, "rows": len(y), "batch": args.batch, "variant": args.layout, "epochs": records,
            "epoch_seconds": [r["seconds"] for r in records]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("task", choices=("forward", "features", "head", "train", "check"))
    ap.add_argument("--model", default="vgg16", help="forward: vgg16|resnet50; train: mlp|cnn")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--batch", type=int, default=None, help="default 64 (forward, features), 128 (head, train)")
    ap.add_argument("--seconds", type=float, default=5.0, help="forward: minimum timed duration")
    ap.add_argument("--batches", type=int, default=None, help="forward: time exactly N batches instead")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--data", help="MNIST-format IDX directory or mnist.npz")
    ap.add_argument("--split", default="test")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--rows", type=int, default=60000)
    ap.add_argument("--features", type=int, default=512)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--layout", choices=("channels_last", "contiguous"), default="channels_last",
                    help="forward: memory format of the input and weights")
    ap.add_argument("--keras", action="store_true", help="check: compare outputs with tf_keras")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if args.batch is None:
        args.batch = 128 if args.task in ("head", "train") else 64
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    torch.manual_seed(0)
    run = {"forward": task_forward, "features": task_features, "head": task_head, "train": task_train,
           "check": lambda a: {"parameter_counts": parameter_counts(),
                               **({"keras_comparison": compare_with_keras()} if a.keras else {})}}[args.task]
    result = {"framework": "pytorch", "task": args.task, **run(args),
              "torch_version": torch.__version__, "threads": torch.get_num_threads(),
              "interop_threads": torch.get_num_interop_threads(), "mkldnn": torch.backends.mkldnn.is_available()}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
