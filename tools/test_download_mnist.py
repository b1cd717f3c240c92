"""pytest for download_mnist.py against local "mirrors": sub-directories of a
temp dir served by an in-process http.server on 127.0.0.1 (no other network).
The module's md5 table and mirror list are patched to small test files and
the local mirrors, so a fall-through can never reach the real ones."""
import functools
import hashlib
import http.server
import os
import socket
import sys
import threading

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import download_mnist as dm  # noqa: E402

NAMES = list(dm.MD5)
GOOD = {name: f"{name} good ".encode() * 500 for name in NAMES}  # ~15 KB: several read chunks


class Handler(http.server.SimpleHTTPRequestHandler):
    log = []  # (path, status) of every request, shared by the test and the server thread

    def log_request(self, code="-", size="-"):
        Handler.log.append((self.path, int(code)))

    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """Serves tmp_path/www; yields mirror(name, files) -> base URL of a new mirror."""
    root = tmp_path / "www"
    root.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    # Short poll interval: shutdown() waits for it (0.5 s by default, per test).
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    Handler.log = []
    monkeypatch.setattr(dm, "MD5", {n: hashlib.md5(GOOD[n]).hexdigest() for n in NAMES})

    def mirror(name, files):
        (root / name).mkdir()
        for fname, data in files.items():
            (root / name / fname).write_bytes(data)
        return f"http://127.0.0.1:{httpd.server_address[1]}/{name}/"

    yield mirror
    httpd.shutdown()
    httpd.server_close()


def run(dest, mirrors, monkeypatch, *extra):
    monkeypatch.setattr(dm, "MIRRORS", mirrors)
    return dm.main(["--dest", str(dest), "--timeout", "5", *extra])


@pytest.fixture
def dest(tmp_path):
    return tmp_path / "mnist"  # created by download_mnist


def assert_complete(dest):
    """Exactly the four good files, no temp files."""
    assert sorted(os.listdir(dest)) == sorted(NAMES)
    for name in NAMES:
        assert (dest / name).read_bytes() == GOOD[name]


def requests_for(name):
    return [(path.split("/")[1], code) for path, code in Handler.log if path.endswith(name)]


def test_good_download(server, dest, monkeypatch):
    a = server("a", GOOD)
    assert run(dest, [a], monkeypatch) == 0
    assert_complete(dest)


def test_corrupt_file_is_rejected_and_next_mirror_used(server, dest, monkeypatch, capsys):
    bad = NAMES[2]
    a = server("a", {**GOOD, bad: b"corrupt " + GOOD[bad][8:]})  # same size, wrong md5
    b = server("b", GOOD)
    assert run(dest, [a, b], monkeypatch) == 0
    assert_complete(dest)
    assert requests_for(bad) == [("a", 200), ("b", 200)]
    assert requests_for(NAMES[0]) == [("a", 200)]
    assert f"{a}{bad}: md5 " in capsys.readouterr().err


def test_corrupt_file_alone_leaves_nothing(server, dest, monkeypatch):
    a = server("a", {name: b"corrupt" for name in NAMES})
    assert run(dest, [a], monkeypatch) == 1
    assert os.listdir(dest) == []


def test_404_falls_back_to_next_mirror(server, dest, monkeypatch):
    a = server("a", {})
    b = server("b", GOOD)
    assert run(dest, [a, b], monkeypatch) == 0
    assert_complete(dest)
    assert all(requests_for(name) == [("a", 404), ("b", 200)] for name in NAMES)


def test_every_mirror_failing_exits_1_without_partial_files(server, dest, monkeypatch, capsys):
    with socket.socket() as s:  # a loopback port with nothing listening: connection refused
        s.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{s.getsockname()[1]}/"
    a = server("a", {})
    b = server("b", {name: data[:-1] for name, data in GOOD.items()})  # truncated
    assert run(dest, [refused, a, b], monkeypatch) == 1
    assert os.listdir(dest) == []
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 4 * 4  # per file: one line per mirror, then the verdict
    assert all(line.startswith("download_mnist: ") for line in err)
    assert sum("error:" in line for line in err) == 4


def test_present_files_are_skipped_and_wrong_ones_replaced(server, dest, monkeypatch):
    a = server("a", GOOD)
    dest.mkdir()
    for name in NAMES:
        (dest / name).write_bytes(GOOD[name])
    (dest / NAMES[1]).write_bytes(b"stale")
    assert run(dest, [a], monkeypatch) == 0
    assert_complete(dest)
    assert [path for path, _ in Handler.log] == [f"/a/{NAMES[1]}"]


def test_mirror_option_is_tried_first(server, dest, monkeypatch):
    a = server("a", GOOD)
    b = server("b", GOOD)
    assert run(dest, [a], monkeypatch, "--mirror", b.rstrip("/")) == 0  # no trailing slash needed
    assert_complete(dest)
    assert {path.split("/")[1] for path, _ in Handler.log} == {"b"}
