/// What a Keras layer class declares about one of its variables in `build`: its name, the names
/// older Keras versions stored it under, its default initialiser and whether training changes it.
/// A layer lists its roles in the order Keras creates them, which is the order weight files keep
/// (`weight_names`, Keras 3's `vars/0, vars/1, ...`), so loading by position, loading by name,
/// the load report and export all read them from the layer.
public struct WeightRole: Sendable, Equatable {
    public let name: String
    /// Keras 1 dataset names for the same variable (`W` for `kernel`, `running_std` for
    /// `moving_variance`, which despite its name held the variance).
    public let legacyNames: [String]
    public let initializer: KerasInitializer
    /// False for statistics that only `fit` in training mode updates (BatchNormalization's moving
    /// mean and variance), which Keras counts as non-trainable.
    public let trainable: Bool

    public init(_ name: String, legacyNames: [String] = [], initializer: KerasInitializer, trainable: Bool = true) {
        self.name = name
        self.legacyNames = legacyNames
        self.initializer = initializer
        self.trainable = trainable
    }

    /// Every name a stored dataset may carry for this role.
    public var names: [String] { [name] + legacyNames }
}
