/// One official Keras weight file: where keras.applications downloads it from and the
/// `file_hash` it checks (md5, 32 hex digits, or sha256, 64, as Keras's `get_file` tells them
/// apart by length). `bytes` is known only where measured: Keras publishes no sizes.
/// `fileHash` is nil where keras.applications publishes no hash (MobileNet V1/V2: `get_file`
/// without `file_hash`); such a file is downloaded unverified, as Keras does, and said to be.
public struct WeightFile: Sendable, Codable, Equatable {
    public let fileName: String
    public let url: String
    public let fileHash: String?
    public let bytes: Int?

    public init(fileName: String, url: String, fileHash: String?, bytes: Int? = nil) {
        self.fileName = fileName
        self.url = url
        self.fileHash = fileHash
        self.bytes = bytes
    }

    private enum CodingKeys: String, CodingKey {
        case fileName, url, fileHash, bytes
        /// The key of catalogues written before sha256 hashes were accepted.
        case md5
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fileName = try c.decode(String.self, forKey: .fileName)
        url = try c.decode(String.self, forKey: .url)
        if c.contains(.fileHash) {
            // null: no published hash.
            fileHash = try c.decodeIfPresent(String.self, forKey: .fileHash)
        } else {
            fileHash = try c.decode(String.self, forKey: .md5)
        }
        bytes = try c.decodeIfPresent(Int.self, forKey: .bytes)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fileName, forKey: .fileName)
        try c.encode(url, forKey: .url)
        try c.encode(fileHash, forKey: .fileHash)
        try c.encodeIfPresent(bytes, forKey: .bytes)
    }

    /// "md5" or "sha256", from the hash's length as in Keras's `validate_file`; nil for neither
    /// or for no hash.
    public var hashAlgorithm: String? { fileHash.flatMap(WeightFile.hashAlgorithm(of:)) }

    /// How the hash reads in listings: "md5 <hex>", or that there is none.
    public var hashDescription: String {
        fileHash.map { "\(hashAlgorithm ?? "hash") \($0)" } ?? "no published hash (not verified)"
    }

    public static func hashAlgorithm(of hash: String) -> String? {
        guard hash.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        switch hash.count {
        case 32: return "md5"
        case 64: return "sha256"
        default: return nil
        }
    }
}
