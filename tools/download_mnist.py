#!/usr/bin/env python3
"""Download the full MNIST (4 gzipped IDX files, 70,000 digits) into --dest.

Each file is tried on the mirrors in order until one serves it with the
published md5. It is streamed to a temp file in --dest and renamed into place
only after the md5 matched, so --dest never holds a partial or corrupt file
under the real name. A file already there with the right md5 is not fetched
again. Exit status 1 when some file could not be had from any mirror.
Standard library only, so it runs before any venv exists.
"""
import argparse
import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.request

MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]
# Published md5s (as listed by torchvision's MNIST class). Read at call time,
# so tests can patch it.
MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
CHUNK = 1 << 16


def md5_of(path):
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def fetch(url, dest_dir, name, md5, timeout):
    """Stream `url` to a temp file in dest_dir; rename it to `name` iff its md5
    matches. Returns None on success, else a one-line reason. Never leaves the
    temp file behind."""
    fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=f".{name}.", suffix=".part")
    try:
        h = hashlib.md5(usedforsecurity=False)
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            for block in iter(lambda: resp.read(CHUNK), b""):
                h.update(block)
                out.write(block)
        if h.hexdigest() != md5:
            return f"md5 {h.hexdigest()}, expected {md5}"
        os.replace(tmp, os.path.join(dest_dir, name))
        tmp = None
        return None
    except urllib.error.HTTPError as e:
        return f"HTTP {e.code} {e.reason}"
    except urllib.error.URLError as e:
        return str(e.reason)
    except (OSError, http.client.HTTPException, ValueError) as e:  # timeouts, resets, bad URL, disk full
        return f"{type(e).__name__}: {e}"
    finally:
        if tmp is not None:
            os.unlink(tmp)


def download(dest_dir, mirrors, timeout=60.0):
    """Fetch every file of MD5 into dest_dir; returns the names that failed."""
    os.makedirs(dest_dir, exist_ok=True)
    failed = []
    for name, md5 in MD5.items():
        path = os.path.join(dest_dir, name)
        if os.path.exists(path):
            if md5_of(path) == md5:
                print(f"{name}: present, md5 ok")
                continue
            print(f"{name}: present but md5 differs, downloading again")
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + name
            reason = fetch(url, dest_dir, name, md5, timeout)
            if reason is None:
                print(f"{name}: {os.path.getsize(path):,} bytes from {url}")
                break
            print(f"download_mnist: {url}: {reason}", file=sys.stderr)
        else:
            print(f"download_mnist: error: {name}: no mirror served it with md5 {md5}", file=sys.stderr)
            failed.append(name)
    return failed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dest", default=os.path.join("data", "mnist"), help="directory (default %(default)s)")
    ap.add_argument("--mirror", action="append", default=[], metavar="URL",
                    help="try this base URL first (repeatable)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per connection/read (default %(default)s)")
    args = ap.parse_args(argv)
    try:
        failed = download(args.dest, args.mirror + MIRRORS, args.timeout)
    except OSError as e:  # --dest cannot be created or written
        print(f"download_mnist: error: {e}", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
