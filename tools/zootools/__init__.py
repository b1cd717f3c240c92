"""The shared pieces of ModelZoo's Python tools (tools/*.py).

Modules, each with one job:
  mnist       the one MNIST reader: IDX files (gzipped or not, every spelling zoo accepts) and Keras mnist.npz
  zoo         the one way to run the `zoo` binary: where it is, its environment, timeouts, JSON output, errors
  frameworks  TensorFlow, tf_keras (Keras 2) and Keras 3 imported side by side, and the inference forward pass
  models      the one place that builds Keras reference models and gives them seeded random weights
  h5files     hand-written Keras HDF5 layouts (Keras 1 flat, Keras 2 nested, chunked) and input/output pairs
  preprocess  TensorFlow's resize and caffe preprocessing of digits, which `zoo` mirrors
  parity      max |a - b| and the tolerances the comparisons use
  timing      the timing loop of the benchmark scripts
  fixtures    the parity fixtures of keras.applications models: formula weights, counts, .h5 writing

Only `frameworks` (and what imports it: `h5files`) and `fixtures` (Keras 3) pull in TensorFlow at import
time; the others need at most numpy, so the benchmark and fuzz scripts can use them without loading Keras. Scripts in tools/
import this package directly (Python puts a script's directory on sys.path; so does pytest).
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The built-in MNIST sample that `zoo` uses when given no --data (4,000 train and 1,000 test digits).
MNIST_SAMPLE = os.path.join(ROOT, "Sources", "ZooData", "Resources", "mnist-sample")
KERAS_FIXTURES = os.path.join(ROOT, "Tests", "Fixtures", "keras")
