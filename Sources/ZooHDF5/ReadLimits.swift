import CHDF5
import Foundation

/// Limits checked before a read allocates anything. A file is untrusted: its dataspace can claim
/// any shape (a "shape bomb"), and without these checks a 40 KB file could make zoo allocate
/// terabytes. Change them through `ReadLimits.current` before opening files.
public struct ReadLimits: Sendable, Equatable {
    /// Largest dataset read into memory, in bytes (4 GiB; VGG16's largest kernel is 411 MB).
    public var datasetBytes = 4 << 30
    /// Largest attribute read into memory, in bytes (64 MiB; Keras keeps each under 64 KB).
    public var attributeBytes = 64 << 20
    /// How many times its stored size a chunked (compressed) dataset may expand to: deflate
    /// cannot exceed about 1032 to 1.
    public var compressionRatio = 1100

    public init() {}

    /// The limits every read checks.
    public static var current: ReadLimits {
        get { withHDF5 { storedLimits } }
        set { withHDF5 { storedLimits = newValue } }
    }
}

/// Only touched under the HDF5 lock (`withHDF5`).
nonisolated(unsafe) private var storedLimits = ReadLimits()

/// A dataspace's dimensions and element count. HDF5's own count wraps around silently when the
/// dimensions multiply past 2^64, so it is recomputed here and overflow is refused.
func extent(_ space: hid_t, _ site: Site) throws -> (shape: [Int], count: Int) {
    let rank = Int(try site.checked(H5Sget_simple_extent_ndims(space), "H5Sget_simple_extent_ndims"))
    var dims = [hsize_t](repeating: 0, count: rank)
    try site.check(H5Sget_simple_extent_dims(space, &dims, nil), "H5Sget_simple_extent_dims")
    if H5Sget_simple_extent_type(space) == H5S_NULL { return ([], 0) }
    var count = 1
    for d in dims {
        guard let n = Int(exactly: d), case let (product, false) = count.multipliedReportingOverflow(by: n) else {
            throw site.invalid("dataspace \(dims) has more elements than can be addressed")
        }
        count = product
    }
    return (dims.map { Int($0) }, count)
}

/// `count * size` bytes, or nil if that overflows.
func byteCount(_ count: Int, _ size: Int) -> Int? {
    let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
    return overflow ? nil : bytes
}

/// Refuses an attribute read of `bytes` (nil: overflowed) over the limit, before allocating.
func checkAttributeSize(_ bytes: Int?, _ site: Site) throws {
    let limit = storedLimits.attributeBytes
    guard let bytes, bytes <= limit else {
        throw site.invalid("attribute claims \(describeBytes(bytes)), more than the \(describeLimit(limit)) zoo reads")
    }
}

func describeBytes(_ bytes: Int?) -> String { bytes.map { "\($0) bytes" } ?? "more than 2^63 bytes" }

/// A limit for messages: "64 MiB", or exact bytes when it is not a whole number of MiB.
func describeLimit(_ bytes: Int) -> String {
    bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
}

extension H5Dataset {
    /// Checks, before allocating, that reading `count` elements of `memorySize` bytes stays
    /// within `ReadLimits` and that the whole dataset's claimed size agrees with what the file
    /// really stores: contiguous and compact data must be exactly there, compressed chunks may
    /// expand at most `compressionRatio` times, and nothing may claim more than the file holds.
    /// Data kept outside the file (external raw files, virtual datasets) is refused.
    func checkRead(count: Int, memorySize: Int) throws {
        let limits = storedLimits
        let wanted = byteCount(count, memorySize)
        let what = "shape \(shape) \(elementType)"
        guard let wanted, wanted <= limits.datasetBytes else {
            throw site.invalid("\(what) needs \(describeBytes(wanted)) in memory, more than the \(describeLimit(limits.datasetBytes)) zoo reads")
        }
        let plist = try site.handle(H5Dget_create_plist(handle.id), "H5Dget_create_plist", close: H5Pclose)
        let layout = H5Pget_layout(plist.id)
        if layout == H5D_VIRTUAL {
            throw site.invalid("is a virtual dataset (its data lives in other files); zoo reads only the file it was given")
        }
        if try site.checked(H5Pget_external_count(plist.id), "H5Pget_external_count") > 0 {
            throw site.invalid("keeps its data in external files; zoo reads only the file it was given")
        }
        let type = try site.handle(H5Dget_type(handle.id), "H5Dget_type", close: H5Tclose)
        let claimed = byteCount(elementCount, H5Tget_size(type.id))
        let stored = Int(clamping: H5Dget_storage_size(handle.id))
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? Int.max
        guard stored <= fileSize else {
            throw site.invalid("claims \(stored) stored bytes but the file has only \(fileSize)")
        }
        if layout == H5D_CHUNKED {
            guard let claimed, claimed / limits.compressionRatio <= stored else {
                throw site.invalid("\(what) claims \(describeBytes(claimed)) of data in \(stored) stored bytes (more than \(limits.compressionRatio):1 compression)")
            }
        } else {
            guard claimed == stored else {
                throw site.invalid("\(what) claims \(describeBytes(claimed)) but the file stores \(stored) bytes for it")
            }
        }
    }
}

extension H5Group {
    /// Refuses `name` (relative to this group, or absolute) if opening it would follow an
    /// external link to another file, at any component, directly or through soft links. Soft
    /// links inside the file are fine; chains longer than HDF5's own limit of 16 are refused.
    /// Uses only `H5Lget_val`, whose meaning has not changed between HDF5 1.8 and 1.14.
    public func refuseExternalLinks(_ name: String) throws {
        try withHDF5 { try checkLinks(base: path, name, softLinksFollowed: 0) }
    }

    private func checkLinks(base: String, _ name: String, softLinksFollowed: Int) throws {
        var current = name.hasPrefix("/") ? "" : (base == "/" ? "" : base)
        for component in name.split(separator: "/") where component != "." {
            let link = current + "/" + component
            current = link
            // H5Lget_val fails for hard links (and missing ones, which opening reports later).
            // It does not say how long a value is: link values are short paths, and one that
            // fills the buffer is refused rather than checked truncated.
            if H5Lget_val(handle.id, link, nil, 0, zoo_H5P_DEFAULT()) < 0 { continue }
            let site = Site(file: file, path: link)
            var value = [UInt8](repeating: 0, count: 1 << 16)
            try site.check(H5Lget_val(handle.id, link, &value, value.count, zoo_H5P_DEFAULT()), "H5Lget_val")
            guard value.last == 0, value[value.count - 2] == 0 else { throw site.invalid("link value too long") }
            var flags: UInt32 = 0
            var target: UnsafePointer<CChar>? = nil
            var object: UnsafePointer<CChar>? = nil
            if H5Lunpack_elink_val(value, value.count, &flags, &target, &object) >= 0 {
                let to = target.map { String(cString: $0) } ?? "?"
                throw site.invalid("is an external link to \(to); zoo reads only the file it was given")
            }
            guard softLinksFollowed < 16 else { throw site.invalid("too many nested soft links") }
            let parent = String(link[..<link.lastIndex(of: "/")!])
            try checkLinks(base: parent.isEmpty ? "/" : parent, decodeCString(value.map { CChar(bitPattern: $0) }),
                           softLinksFollowed: softLinksFollowed + 1)
        }
    }
}
