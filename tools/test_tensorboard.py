"""`zoo train` / `zoo finetune` --tensorboard, --histogram-freq and --plot, read back with
TensorBoard's own readers.

  .venv/bin/python -m pytest -q tools/test_tensorboard.py     (ZOO=path/to/zoo to pick a binary)

For each run: DIR/train and DIR/validation each hold one event file that
tensorboard's EventAccumulator reads; the scalar tags are exactly epoch_loss,
epoch_accuracy (+ epoch_learning_rate under train), one value per epoch at
steps 0..E-1, equal within 1e-6 to the CSV history zoo writes beside the model
(M.history.csv: epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds);
every TFRecord carries valid CRCs and the first event names the format
("brain.Event:2"), as TensorFlow checks them. The --plot SVG is well-formed
XML with two panels (accuracy, loss), each with a train and a validation
polyline of E points whose heights are one decreasing affine function of the
CSV values (so each line plots its own series).

The model's graph (Keras's write_graph), checked against the exported model
as Keras 3 loads it (for finetune that is the whole digit classifier:
preprocessing, every VGG16 layer and the head, though only the head trains):
  op graph     the train run's GraphDef has one node per layer, in order, named
               as the layer, op = its Keras class, inputs = its inbound layers
               in the file's model_config, _output_shapes = Keras's output shape
               (batch -1), parameter counts equal to Keras's; validation has none
  conceptual   the "keras" summary (plugin graph_keras_model, content "1",
               step 0) holds the model's JSON config: TensorBoard's own
               keras_util turns it into the same layers and edges, and Keras 3's
               model_from_json rebuilds the same layers, classes and parameter
               counts (trainable ones too)
  histograms   with --histogram-freq N: a histogram plugin tensor tagged
               LAYER/WEIGHT_0/histogram (tf-keras's tags) for exactly the
               trainable weights, at steps 0, N, 2N, ... < E; the last one
               equals tensorboard's histogram_pb of the exported final weights
TensorBoard itself (python -m tensorboard.main on a loopback port) serves the
op graph and the conceptual graph with every layer name.

Runs: `zoo train --model mlp --epochs 3 --limit 1000 --histogram-freq 2` (~1 s),
`zoo train --model cnn --epochs 2 --limit 300 --histogram-freq 1` (~2 s) and
`zoo finetune --model vgg16 --untrained --size 32 --epochs 2 --histogram-freq 1`
on the built-in sample (~25 s on 2 cores: the backbone features are computed,
into a cache in tmp_path).
"""
import csv
import glob
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from zootools import zoo as zoo_runner

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ZOO = zoo_runner.binary()
TOL = 1e-6
SVG_NS = "{http://www.w3.org/2000/svg}"


def run_zoo(args, tmp_path, timeout=150):
    env = zoo_runner.environment(TF_CPP_MIN_LOG_LEVEL=3, ZOO_CACHE_DIR=tmp_path / "zoo-cache")
    r = zoo_runner.run(args, zoo=ZOO, env=env, cwd=tmp_path, timeout=timeout)
    assert not r.failure(), r.failure()
    return r


def read_history(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    with open(path) as f:
        header = f.readline().strip()
    assert header == "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds", header
    return rows


def event_file(directory):
    files = glob.glob(os.path.join(directory, "events.out.tfevents.*"))
    assert len(files) == 1, f"{directory}: expected one event file, found {files}"
    return files[0]


def check_records(path):
    """TensorFlow's own reader: every record's length and data CRCs, and the
    first event's file_version."""
    import tensorflow as tf
    from tensorboard.compat.proto import event_pb2
    events = [event_pb2.Event.FromString(r.numpy()) for r in tf.data.TFRecordDataset(path)]
    assert events and events[0].file_version == "brain.Event:2", f"{path}: first event {events[:1]}"
    return events


def check_board(board, rows):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    epochs = len(rows)
    expected = {
        "train": {"epoch_loss": "loss", "epoch_accuracy": "accuracy", "epoch_learning_rate": "learning_rate"},
        "validation": {"epoch_loss": "val_loss", "epoch_accuracy": "val_accuracy"},
    }
    assert sorted(os.listdir(board)) == ["train", "validation"], os.listdir(board)
    for run, tags in expected.items():
        directory = os.path.join(board, run)
        check_records(event_file(directory))
        acc = EventAccumulator(directory, size_guidance={"scalars": 0})
        acc.Reload()
        assert sorted(acc.Tags()["scalars"]) == sorted(tags), (run, acc.Tags())
        for tag, column in tags.items():
            events = acc.Scalars(tag)
            assert [e.step for e in events] == list(range(epochs)), (run, tag, [e.step for e in events])
            for e, row in zip(events, rows):
                want = float(row[column])
                assert abs(e.value - want) <= TOL, f"{run}/{tag} step {e.step}: event {e.value!r}, CSV {column} {want!r}"
            walls = [e.wall_time for e in events]
            assert walls == sorted(walls), (run, tag, walls)


def polyline_points(el):
    nums = [float(v) for v in re.split(r"[ ,]+", el.get("points").strip())]
    return list(zip(nums[0::2], nums[1::2]))


def check_plot(svg_path, rows):
    root = ET.parse(svg_path).getroot()  # well-formed XML or ParseError
    assert root.tag == SVG_NS + "svg", root.tag
    frames = [r for r in root.iter(SVG_NS + "rect") if r.get("fill") == "none"]
    lines = list(root.iter(SVG_NS + "polyline"))
    texts = list(root.iter(SVG_NS + "text"))
    assert len(frames) == 2, f"expected two panels, found {len(frames)} frames"
    assert len(lines) == 4, f"expected four polylines, found {len(lines)}"
    columns = {"accuracy": {"train": "accuracy", "validation": "val_accuracy"},
               "loss": {"train": "loss", "validation": "val_loss"}}
    seen = set()
    for frame in frames:
        x0, y0 = float(frame.get("x")), float(frame.get("y"))
        x1, y1 = x0 + float(frame.get("width")), y0 + float(frame.get("height"))

        def inside(x, y):
            return x0 - 0.1 <= x <= x1 + 0.1 and y0 - 0.1 <= y <= y1 + 0.1

        name = [t.text for t in texts if t.text in columns and inside(float(t.get("x")), float(t.get("y")))]
        assert len(name) == 1, f"panel at x={x0}: name texts {name}"
        name = name[0]
        seen.add(name)
        legend = {t.get("fill"): t.text for t in texts
                  if t.get("fill") and t.text in ("train", "validation") and inside(float(t.get("x")), float(t.get("y")))}
        mine = [pl for pl in lines if all(inside(x, y) for x, y in polyline_points(pl))]
        assert len(mine) == 2, f"{name} panel: {len(mine)} polylines inside it"
        assert sorted(legend.get(pl.get("stroke")) for pl in mine) == ["train", "validation"], (name, legend)
        values, heights = [], []
        for pl in mine:
            pts = polyline_points(pl)
            assert len(pts) == len(rows), f"{name} {legend[pl.get('stroke')]}: {len(pts)} points for {len(rows)} epochs"
            xs = [x for x, _ in pts]
            assert xs == sorted(xs) and len(set(xs)) == len(xs), xs
            column = columns[name][legend[pl.get("stroke")]]
            values += [float(r[column]) for r in rows]
            heights += [y for _, y in pts]
        # y = a + b * value with b < 0 for all six points (coordinates are printed with 0.1 px).
        n = len(values)
        mv, mh = sum(values) / n, sum(heights) / n
        var = sum((v - mv) ** 2 for v in values)
        if var > 0:
            b = sum((v - mv) * (h - mh) for v, h in zip(values, heights)) / var
            a = mh - b * mv
            worst = max(abs(a + b * v - h) for v, h in zip(values, heights))
            assert b < 0 and worst <= 0.2, f"{name} panel: heights {heights} are not a decreasing affine map of {values}"
    assert seen == {"accuracy", "loss"}, seen


def read_model_config(path):
    import h5py
    with h5py.File(path, "r") as f:
        raw = f.attrs["model_config"]
    return json.loads(raw.decode() if isinstance(raw, bytes) else raw)


def inbound(layer):
    """Inbound layer names of a legacy (tf-keras) layer config."""
    nodes = layer["inbound_nodes"]
    return [n[0] for n in nodes[0]] if nodes else []


def load_exported(path):
    import keras
    return keras.models.load_model(path, compile=False)


def trainable_params(layer):
    return sum(int(w.numpy().size) for w in layer.trainable_weights)


def accumulator(directory):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(directory, size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    return acc


def check_graph(board, model_path):
    """The op graph and the keras summary of the train run against the exported model."""
    from tensorboard.plugins.graph import keras_util
    import keras
    config = read_model_config(model_path)
    layers = [(l["name"], l["class_name"], inbound(l)) for l in config["config"]["layers"]]
    model = load_exported(model_path)
    assert [l.name for l in model.layers] == [name for name, _, _ in layers]

    acc = accumulator(os.path.join(board, "train"))
    assert acc.Tags()["graph"], "train run: no GraphDef"
    graph = acc.Graph()
    assert [(n.name, n.op, list(n.input)) for n in graph.node] == layers
    for node, layer in zip(graph.node, model.layers):
        shapes = [[d.size for d in s.dim] for s in node.attr["_output_shapes"].list.shape]
        assert shapes == [[-1 if d is None else d for d in layer.output.shape]], (node.name, shapes, layer.output.shape)
        assert node.attr["keras_class"].s.decode() == type(layer).__name__ == node.op, node.name
        assert node.attr["parameters"].i == layer.count_params(), node.name
        assert node.attr["trainable_parameters"].i == trainable_params(layer), node.name
        assert json.loads(node.attr["keras_config"].s)["name"] == node.name
    assert not accumulator(os.path.join(board, "validation")).Tags()["graph"], "validation run has a graph"

    events = acc.Tensors("keras")
    assert [e.step for e in events] == [0], [e.step for e in events]
    meta = acc.SummaryMetadata("keras").plugin_data
    assert (meta.plugin_name, meta.content) == ("graph_keras_model", b"1"), meta
    summary = json.loads(events[0].tensor_proto.string_val[0])
    scope = summary["config"]["name"] + "/"
    conceptual = keras_util.keras_model_to_graph_def(summary)
    assert [(n.name, list(n.input)) for n in conceptual.node] == \
        [(scope + name, [scope + i for i in ins]) for name, _, ins in layers]
    rebuilt = keras.models.model_from_json(json.dumps(summary))
    assert [(l.name, type(l).__name__) for l in rebuilt.layers] == [(l.name, type(l).__name__) for l in model.layers]
    assert [(l.count_params(), trainable_params(l)) for l in rebuilt.layers] == \
        [(l.count_params(), trainable_params(l)) for l in model.layers]
    return model


def check_histograms(board, model, epochs, freq):
    """Exactly the trainable weights, every `freq` epochs from the first; the last histogram is
    TensorBoard's histogram_pb of the exported weights."""
    import numpy as np
    from tensorboard.plugins.histogram import summary_v2
    from tensorboard.util import tensor_util
    acc = accumulator(os.path.join(board, "train"))
    weights = {f"{layer.name}/{w.name}_0/histogram": w.numpy() for layer in model.layers for w in layer.trainable_weights}
    assert weights, "the model has no trainable weights"
    tags = [t for t in acc.Tags()["tensors"] if t.endswith("/histogram")]
    assert sorted(tags) == sorted(weights), (tags, sorted(weights))
    for tag, value in weights.items():
        events = acc.Tensors(tag)
        assert [e.step for e in events] == list(range(0, epochs, freq)), (tag, [e.step for e in events])
        assert acc.SummaryMetadata(tag).plugin_data.plugin_name == "histograms", tag
        ours = tensor_util.make_ndarray(events[-1].tensor_proto)
        reference = tensor_util.make_ndarray(summary_v2.histogram_pb(tag, value).value[0].tensor)
        assert ours.dtype == reference.dtype and ours.shape == reference.shape == (30, 3), (tag, ours.shape)
        assert np.array_equal(ours, reference), f"{tag}: {ours} != {reference}"
        assert ours[:, 2].sum() == value.size, tag


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def check_served(board, model_path, tmp_path):
    """TensorBoard serves both graphs of the train run with every layer name."""
    names = [l["name"] for l in read_model_config(model_path)["config"]["layers"]]
    port = free_port()
    log = open(tmp_path / "tensorboard.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", board, "--host", "127.0.0.1", "--port", str(port),
         "--load_fast", "false", "--reload_interval", "1"], stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        base = f"http://127.0.0.1:{port}/data/plugin/graphs"
        deadline = time.time() + 90
        while True:
            try:
                info = json.loads(fetch(base + "/info"))
                if info.get("train", {}).get("run_graph") and "keras" in info["train"]["tags"]:
                    break
            except OSError:
                pass
            assert server.poll() is None, (tmp_path / "tensorboard.log").read_text()[-2000:]
            assert time.time() < deadline, f"TensorBoard did not list the graphs: {(tmp_path / 'tensorboard.log').read_text()[-2000:]}"
            time.sleep(0.5)
        assert info["train"]["tags"]["keras"]["conceptual_graph"], info
        assert "validation" not in info or not info["validation"]["run_graph"], info
        op_graph = fetch(base + "/graph?run=train&limit_attr_size=1024&large_attrs_key=_too_large_attrs")
        conceptual = fetch(base + "/graph?run=train&tag=keras&conceptual=true")
        for name in names:
            assert f'name: "{name}"' in op_graph, f"op graph: no node {name}"
            assert re.search(rf'name: "[^"/]+/{re.escape(name)}"', conceptual), f"conceptual graph: no node {name}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_train_mlp(tmp_path):
    run_zoo(["train", "--model", "mlp", "--epochs", "3", "--limit", "1000", "--tensorboard", "tb",
             "--histogram-freq", "2", "--plot", "P.svg", "--output", "M.h5"], tmp_path)
    rows = read_history(tmp_path / "M.history.csv")
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    check_board(str(tmp_path / "tb"), rows)
    check_plot(tmp_path / "P.svg", rows)
    model = check_graph(str(tmp_path / "tb"), tmp_path / "M.h5")
    check_histograms(str(tmp_path / "tb"), model, epochs=3, freq=2)


def test_train_cnn(tmp_path):
    run_zoo(["train", "--model", "cnn", "--epochs", "2", "--limit", "300", "--tensorboard", "tb",
             "--histogram-freq", "1", "--output", "M.h5"], tmp_path)
    rows = read_history(tmp_path / "M.history.csv")
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    check_board(str(tmp_path / "tb"), rows)
    model = check_graph(str(tmp_path / "tb"), tmp_path / "M.h5")
    check_histograms(str(tmp_path / "tb"), model, epochs=2, freq=1)
    check_served(str(tmp_path / "tb"), tmp_path / "M.h5", tmp_path)


def test_without_histograms(tmp_path):
    """--histogram-freq 0 (the default) writes none; --histogram-freq without --tensorboard
    is a usage error."""
    run_zoo(["train", "--model", "mlp", "--epochs", "1", "--limit", "200", "--tensorboard", "tb",
             "--output", "M.h5"], tmp_path)
    acc = accumulator(str(tmp_path / "tb" / "train"))
    assert acc.Tags()["tensors"] == ["keras"], acc.Tags()
    assert acc.Tags()["graph"]
    env = dict(os.environ, ZOO_CACHE_DIR=str(tmp_path / "zoo-cache"))
    for flags in (["--histogram-freq", "1"], ["--tensorboard", "tb2", "--histogram-freq=-1"]):
        r = subprocess.run([ZOO, "train", "--model", "mlp", "--epochs", "1", "--limit", "200", "--output", "N.h5"] + flags,
                           capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
        assert r.returncode == 64, (flags, r.returncode, r.stderr)
        assert "--histogram-freq" in r.stderr, r.stderr
    assert not (tmp_path / "N.h5").exists() and not (tmp_path / "tb2").exists()


def test_finetune_vgg16(tmp_path):
    run_zoo(["finetune", "--model", "vgg16", "--untrained", "--size", "32", "--epochs", "2",
             "--cache-dir", str(tmp_path / "cache"), "--tensorboard", "tb2", "--histogram-freq", "1",
             "--plot", "F.svg", "--output", "F.h5"], tmp_path)
    rows = read_history(tmp_path / "F.history.csv")
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    check_board(str(tmp_path / "tb2"), rows)
    check_plot(tmp_path / "F.svg", rows)
    model = check_graph(str(tmp_path / "tb2"), tmp_path / "F.h5")
    names = [l.name for l in model.layers]
    assert {"block1_conv1", "block5_pool", "caffe_preprocess", "head_predictions"} <= set(names), names
    check_histograms(str(tmp_path / "tb2"), model, epochs=2, freq=1)
