// Fine-tunes a classifier head on a frozen VGG16 over the built-in MNIST sample, as `zoo finetune` does:
// with the official ImageNet weights, or offline (as tools/quickstart.sh) with a Keras-initialised backbone.
import Foundation
import ZooPipelines

let configuration = ZooConfiguration(home: ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory())
let pretrained = (try? Backbone("vgg16").weightsPath(configuration: configuration)) != nil
var finetuning = FineTuning(Backbone("vgg16", weights: pretrained ? .official : .untrained(seed: 0), size: 32))
finetuning.training.epochs = 3
let monitor = PipelineMonitor(notice: { print("note: \($0)") }, epoch: { record, epochs in print(record.logLine(epochs: epochs)) })
let result = try finetuning.run(configuration: configuration, monitor: monitor)
try export(result.model, history: result.history, to: "vgg16-mnist.h5")
print(String(format: "test accuracy: %.4f", result.test.accuracy))
