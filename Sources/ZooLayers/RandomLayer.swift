/// A layer that draws random numbers in training (Dropout's mask, the augmentation layers'
/// transformations): the trainer seeds its stream and saves it in checkpoints, so a resumed run
/// draws what the uninterrupted run would have drawn.
public protocol RandomLayer: Layer {
    var generator: SeededGenerator { get set }
}

extension Dropout: RandomLayer {}
