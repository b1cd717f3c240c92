// Fine-tunes a classifier head on a frozen VGG16 over the built-in MNIST sample, as `zoo finetune` does.
// `--untrained` takes a Keras-initialised backbone, for machines that cannot download the official weights.
import Foundation
import ZooPipelines

let weights: BackboneWeights = CommandLine.arguments.contains("--untrained") ? .untrained(seed: 0) : .official
var finetuning = FineTuning(Backbone("vgg16", weights: weights, size: 32))
finetuning.training.epochs = 3
let monitor = PipelineMonitor(epoch: { record, epochs in print(record.logLine(epochs: epochs)) })
let result = try finetuning.run(configuration: ZooConfiguration(home: NSHomeDirectory()), monitor: monitor)
try export(result.model, history: result.history, to: "vgg16-mnist.h5")
print(String(format: "test accuracy: %.4f", result.test.accuracy))
