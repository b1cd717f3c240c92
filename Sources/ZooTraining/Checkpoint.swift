import Foundation
import ZooHDF5
import ZooLayers
import ZooTensor

/// A training checkpoint: trainable weights, optimizer slots, the trainer's state (epoch, RNG
/// streams, history, schedule and early-stopping state) and a description of the run, so
/// `--resume` can refuse a checkpoint made with other settings. One HDF5 file, written
/// atomically, so a kill at any moment leaves the previous checkpoint intact.
public struct Checkpoint {
    public static let fileName = "checkpoint.h5"

    public static func save(to path: String, model: Model, optimizer: Optimizer, state: TrainingState, run: String) throws {
        var scalars = state
        scalars.bestWeights = [:]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // A diverged run has NaN or infinite losses, which plain JSON cannot hold.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try writeHDF5Atomically(path) { file in
            let root = file.root
            try root.setAttribute("run", .string(run))
            try root.setAttribute("state", .string(String(decoding: try encoder.encode(scalars), as: UTF8.self)))
            for (p, w) in model.trainableWeights {
                _ = try root.createDataset("weights/\(p)", shape: w.shape, floats: w.value.data)
                for (i, slot) in (optimizer.slots[p] ?? []).enumerated() {
                    _ = try root.createDataset("slots/\(p)/\(i)", shape: w.shape, floats: slot)
                }
                if let best = state.bestWeights[p] {
                    _ = try root.createDataset("best/\(p)", shape: w.shape, floats: best)
                }
            }
        }
    }

    /// Restores weights and optimizer slots into `model`/`optimizer` and returns the trainer
    /// state. Throws if the checkpoint was made by a different run.
    public static func restore(from path: String, model: Model, optimizer: Optimizer, run: String) throws -> TrainingState {
        let file = try H5File.open(path)
        let root = file.root
        let savedRun = try root.stringList("run").first ?? ""
        guard savedRun == run else {
            throw CheckpointError.differentRun(file: path, saved: savedRun, requested: run)
        }
        guard let json = try root.stringList("state").first,
              var state = try? checkpointDecoder.decode(TrainingState.self, from: Data(json.utf8)) else {
            throw CheckpointError.corrupt(file: path, reason: "no readable training state")
        }
        for (p, w) in model.trainableWeights {
            let ds = try root.dataset("weights/\(p)")
            guard ds.shape == w.shape else { throw CheckpointError.corrupt(file: path, reason: "\(p) has shape \(ds.shape), expected \(w.shape)") }
            w.value = Tensor(shape: w.shape, data: try ds.readFloats())
            var slots: [[Float]] = []
            while root.kind(of: "slots/\(p)/\(slots.count)") == .dataset {
                slots.append(try root.dataset("slots/\(p)/\(slots.count)").readFloats())
            }
            // A damaged file can lose or resize a slot; the optimizer would index past it.
            let expected: Int
            switch optimizer.kind {
            case let .sgd(momentum, _): expected = momentum == 0 ? 0 : 1
            case .adam, .rmsprop: expected = 2
            }
            guard slots.isEmpty || (slots.count == expected && slots.allSatisfy { $0.count == w.count }) else {
                throw CheckpointError.corrupt(file: path, reason: "\(p) has \(slots.count) optimizer slots of \(slots.map(\.count)) values, expected \(expected) of \(w.count)")
            }
            if !slots.isEmpty { optimizer.slots[p] = slots }
            if root.kind(of: "best/\(p)") == .dataset {
                let best = try root.dataset("best/\(p)").readFloats()
                guard best.count == w.count else { throw CheckpointError.corrupt(file: path, reason: "best/\(p) has \(best.count) values, expected \(w.count)") }
                state.bestWeights[p] = best
            }
        }
        return state
    }
}

public enum CheckpointError: Error, CustomStringConvertible {
    case differentRun(file: String, saved: String, requested: String)
    case corrupt(file: String, reason: String)

    public var description: String {
        switch self {
        case let .differentRun(file, saved, requested):
            return "\(file) was written by another run (\(saved)); this run is (\(requested)); use another --checkpoint-dir or the same settings"
        case let .corrupt(file, reason): return "\(file): not a usable checkpoint (\(reason))"
        }
    }
}

/// Reads what `Checkpoint.save` writes, NaN and infinite losses included.
private let checkpointDecoder: JSONDecoder = {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
}()
