#!/usr/bin/env python3
"""The ONNX Runtime side of tools/benchmarks.py: the Keras model converted to ONNX, on the CPU.

  python tools/bench_onnx.py [forward] --models mobilenetv2,xception [--size 32] [--batch 64]
        (--seconds 5 | --batches 3) [--warmup 2] [--threads 2] [--seed 0] [--keep DIR]
  python tools/bench_onnx.py convert --models M --size S --batch B --keep DIR
  python tools/bench_onnx.py forward --onnx DIR/M_S.onnx (--seconds 5 | --batches 3) ...

Prints one JSON line per model on stdout (the same fields as tools/bench_keras.py forward, with
"framework": "onnxruntime"); progress on stderr. `forward` converts and measures in one process;
`convert` only writes DIR/M_S.onnx and DIR/M_S.npz (the batch and Keras's output on it), and
`forward --onnx` measures such a file without importing TensorFlow, so that its peak RSS is ONNX
Runtime's own (tf2onnx's conversion of a large model peaks at several GB).

The model is the one tools/bench_keras.py times: keras.applications (tf_keras) with weights=None,
include_top=False, no pooling, on [size, size, 3], built after tf_keras.utils.set_random_seed(seed),
and the same constant batch of uniform(-120, 140) inputs.
tf2onnx.convert.from_keras turns it into ONNX (opset --opset; its graph takes NHWC input as the
Keras model does, so the transposes tf2onnx needs around convolutions are part of the timed
work, as the layout is part of the model being served). Two things tf2onnx 1.17 leaves
unconverted are converted here (so ONNX Runtime can load ConvNeXt): TensorFlow's Erfc (the
exact gelu) becomes 1 - Erf, and tf_keras's XLA-compiled wrapper around a grouped Conv2D is
traced as the plain Conv2D it wraps (see grouped_convolutions_traced_plainly). Before timing, ONNX Runtime's output on
the timed batch is checked against Keras's (max |ort - keras| <= 1e-4 x max |keras|): a
conversion that changed the model would not be a peer. ONNX Runtime runs with
intra_op_num_threads = --threads, inter_op_num_threads = 1 (sequential execution: one operator
at a time, each on --threads threads), all graph optimisations on.

A model name is keras.applications' constructor in lower case (vgg19, resnet101, resnet50v2,
densenet121, mobilenet, mobilenetv2, inceptionv3, xception, efficientnetb0, ...); a name tf_keras
does not know, or a size below the model's minimum, is skipped with a note on stderr and a JSON
line with "skipped" instead of a measurement.
"""
import argparse
import contextlib
import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from zootools.timing import timed  # noqa: E402

REL_TOL = 1e-4


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def constructors(tf_keras):
    """keras.applications' model constructors by lower-case name: densenet121 -> DenseNet121."""
    return {name.lower(): getattr(tf_keras.applications, name) for name in dir(tf_keras.applications)
            if name[:1].isupper() and callable(getattr(tf_keras.applications, name))}


def erfc_as_erf(ctx, node, name, args):
    """tf2onnx's handler of TensorFlow's Erfc (the exact gelu's 0.5 x erfc(-x / sqrt 2), ConvNeXt's
    activation), which tf2onnx 1.17 does not convert and ONNX lacks: 1 - Erf(x)."""
    from tf2onnx import utils
    x = node.input[0]
    one = ctx.make_const(utils.make_name(f"{name}_one"),
                         np.array(1, dtype=utils.map_onnx_to_numpy_type(ctx.get_dtype(x))))
    erf = ctx.make_node("Erf", [x], op_name_scope=name)
    node.type = "Sub"
    ctx.replace_inputs(node, [one.output[0], erf.output[0]])


@contextlib.contextmanager
def grouped_convolutions_traced_plainly(model):
    """tf_keras runs a grouped Conv2D (ConvNeXt's depthwise convolutions) through a
    tf.function(jit_compile=True) around its own convolution_op, a workaround for TensorFlow's
    CPU kernels; grappler does not inline such a function, so tf2onnx leaves a PartitionedCall
    that ONNX Runtime cannot load. While converting, the layer calls convolution_op directly: the
    same Conv2D op on the same kernel, which tf2onnx turns into an ONNX Conv with `group`."""
    import tf_keras
    grouped = [layer for layer in model._flatten_layers(include_self=False)
               if isinstance(layer, tf_keras.layers.Conv2D) and layer.groups > 1]
    for layer in grouped:
        layer.__dict__["_jit_compiled_convolution_op"] = layer.convolution_op
    try:
        yield
    finally:
        for layer in grouped:
            del layer.__dict__["_jit_compiled_convolution_op"]


def convert(model, size, opset, path):
    import tensorflow as tf
    import tf2onnx
    spec = (tf.TensorSpec((None, size, size, 3), tf.float32, name="input"),)
    with grouped_convolutions_traced_plainly(model):
        tf2onnx.convert.from_keras(model, input_signature=spec, opset=opset, output_path=path,
                                   custom_op_handlers={"Erfc": (erfc_as_erf, [])})
    return path


def prepare(args, name, build):
    """Builds the Keras model, converts it and writes DIR/NAME_SIZE.{onnx,npz}: the .onnx path,
    or a {"skipped": ...} result."""
    import tf_keras
    tf_keras.backend.clear_session()
    tf_keras.utils.set_random_seed(args.seed)
    try:
        model = build(weights=None, include_top=False, input_shape=(args.size, args.size, 3))
    except ValueError as e:  # below the family's minimum size
        return {"model": name, "size": args.size, "batch": args.batch, "skipped": str(e).splitlines()[0]}
    x = np.random.default_rng(0).uniform(-120, 140, (args.batch, args.size, args.size, 3)).astype(np.float32)
    expected = np.asarray(model(x, training=False))
    directory = args.keep or tempfile.mkdtemp(prefix="zoo_onnx_")
    os.makedirs(directory, exist_ok=True)
    path = convert(model, args.size, args.opset, os.path.join(directory, f"{name}_{args.size}.onnx"))
    np.savez(path.removesuffix(".onnx") + ".npz", x=x, expected=expected)
    log(f"{name} @{args.size}: converted to {path} ({os.path.getsize(path) / 1e6:.1f} MB)")
    return path


def measure(args, name, path):
    """Checks the converted model against Keras's output, then times it."""
    import onnxruntime as ort
    data = np.load(path.removesuffix(".onnx") + ".npz")
    x, expected = data["x"], data["expected"]
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    run = lambda: session.run(None, {input_name: x})[0]  # noqa: E731

    y = run()
    peak = float(np.max(np.abs(expected)))
    err = float(np.max(np.abs(y - expected)))
    if y.shape != expected.shape or not err <= REL_TOL * peak:
        raise SystemExit(f"{name} @{args.size}: ONNX Runtime output {y.shape} differs from Keras's {expected.shape}: "
                         f"max |diff| {err:g} of max |keras| {peak:g}")
    for _ in range(args.warmup):
        run()
    calls, elapsed = timed(run, args.seconds, args.batches)
    size, batch = int(x.shape[1]), int(x.shape[0])  # the converted batch, whatever --batch says
    return {"model": name, "size": size, "batch": batch, "variant": "onnxruntime CPU, sequential",
            "batches": calls, "seconds": elapsed, "images_per_second": calls * batch / elapsed,
            "max_abs_diff_vs_keras": err, "max_abs_keras": peak}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("task", nargs="?", choices=("forward", "convert"), default="forward")
    ap.add_argument("--onnx", metavar="FILE", help="forward: measure this converted model (and its .npz) instead")
    ap.add_argument("--models", default="vgg16,resnet50")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=5.0, help="minimum timed duration per model")
    ap.add_argument("--batches", type=int, default=None, help="time exactly N batches instead")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2, help="ONNX Runtime intra-op threads (and TensorFlow's)")
    ap.add_argument("--seed", type=int, default=0, help="tf_keras.utils.set_random_seed before building")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--keep", metavar="DIR", help="write the .onnx files here and keep them")
    args = ap.parse_args()
    if args.task == "convert" and not args.keep:
        ap.error("convert needs --keep DIR")
    import onnxruntime
    common = {"framework": "onnxruntime", "task": args.task, "onnxruntime_version": onnxruntime.__version__,
              "intra_op_threads": args.threads, "inter_op_threads": 1}
    if args.onnx:
        name = os.path.basename(args.onnx).rsplit("_", 1)[0]
        print(json.dumps({**common, **measure(args, name, args.onnx)}), flush=True)
        return
    import tensorflow as tf
    import tf2onnx
    import tf_keras
    # TensorFlow only builds and converts here; its threads still follow --threads.
    tf.get_logger().setLevel("ERROR")
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    common.update(tf2onnx_version=tf2onnx.__version__, tensorflow_version=tf.__version__, opset=args.opset)
    known = constructors(tf_keras)
    for name in args.models.split(","):
        if name not in known:
            log(f"{name}: not a keras.applications model in tf_keras {tf_keras.__version__}: skipped")
            result = {"model": name, "size": args.size, "batch": args.batch, "skipped": "unknown model"}
        else:
            path = prepare(args, name, known[name])
            if isinstance(path, dict):
                result = path
                log(f"{name} @{args.size}: skipped: {result['skipped']}")
            elif args.task == "convert":
                result = {"model": name, "size": args.size, "batch": args.batch, "onnx": path}
            else:
                result = measure(args, name, path)
                if not args.keep:
                    for f in (path, path.removesuffix(".onnx") + ".npz"):
                        os.remove(f)
                    os.rmdir(os.path.dirname(path))
        print(json.dumps({**common, **result}), flush=True)


if __name__ == "__main__":
    main()
