"""`zoo train` / `zoo finetune` --tensorboard and --plot, read back with TensorBoard's own reader.

  /tmp/kvenv/bin/python -m pytest -q tools/test_tensorboard.py     (ZOO=path/to/zoo to pick a binary)

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

Runs: `zoo train --model mlp --epochs 3 --limit 1000` (~1 s) and
`zoo finetune --model vgg16 --untrained --size 32 --epochs 2` on the built-in
sample (~25 s on 2 cores: the backbone features are computed, into a cache in
tmp_path).
"""
import csv
import glob
import os
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZOO = os.environ.get("ZOO", os.path.join(ROOT, ".build", "release", "zoo"))
TOL = 1e-6
SVG_NS = "{http://www.w3.org/2000/svg}"


def run_zoo(args, tmp_path, timeout=150):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", ZOO_CACHE_DIR=str(tmp_path / "zoo-cache"))
    r = subprocess.run([ZOO] + args, capture_output=True, text=True, timeout=timeout, env=env, cwd=tmp_path)
    assert r.returncode == 0, f"zoo {' '.join(args)} exited {r.returncode}: {r.stderr[-2000:]}"
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


def test_train_mlp(tmp_path):
    run_zoo(["train", "--model", "mlp", "--epochs", "3", "--limit", "1000", "--tensorboard", "tb",
             "--plot", "P.svg", "--output", "M.h5"], tmp_path)
    rows = read_history(tmp_path / "M.history.csv")
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    check_board(str(tmp_path / "tb"), rows)
    check_plot(tmp_path / "P.svg", rows)


def test_finetune_vgg16(tmp_path):
    run_zoo(["finetune", "--model", "vgg16", "--untrained", "--size", "32", "--epochs", "2",
             "--cache-dir", str(tmp_path / "cache"), "--tensorboard", "tb2", "--plot", "F.svg",
             "--output", "F.h5"], tmp_path)
    rows = read_history(tmp_path / "F.history.csv")
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    check_board(str(tmp_path / "tb2"), rows)
    check_plot(tmp_path / "F.svg", rows)
