import ZooKeras
