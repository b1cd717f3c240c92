import CHDF5

extension H5Group {
    /// A float32 dataset of `shape` whose rows (first dimension) are written later with
    /// `writeFloats(rows:_:)`, so arrays larger than memory can be streamed to disk.
    public func createFloatDataset(_ name: String, shape: [Int]) throws -> H5Dataset {
        try withHDF5 {
            let childPath = joinPath(path, name)
            let childSite = Site(file: file, path: childPath)
            guard !shape.isEmpty, shape.allSatisfy({ $0 >= 0 }) else {
                throw childSite.invalid("cannot stream rows into shape \(shape)")
            }
            let space = try makeDataspace(shape: shape, childSite)
            let linkProperties = try intermediateGroupsLinkProperties(childSite)
            let id = try childSite.handle(
                H5Dcreate2(handle.id, cleanName(name), zoo_H5T_IEEE_F32LE(), space.id, linkProperties.id,
                           zoo_H5P_DEFAULT(), zoo_H5P_DEFAULT()),
                "H5Dcreate2", close: H5Dclose)
            return try H5Dataset(site: childSite, handle: id)
        }
    }
}

extension H5Dataset {
    /// Writes `values` into rows `rows` of a dataset (a hyperslab along the first dimension).
    public func writeFloats(rows: Range<Int>, _ values: [Float]) throws {
        try withHDF5 {
            guard let rowCount = shape.first, rows.lowerBound >= 0, rows.upperBound <= rowCount else {
                throw site.invalid("rows \(rows) out of range of shape \(shape)")
            }
            let rowSize = shape.dropFirst().reduce(1, *)
            guard values.count == rows.count * rowSize else {
                throw site.invalid("\(values.count) values do not fill \(rows.count) rows of \(rowSize)")
            }
            if rows.isEmpty || rowSize == 0 { return }
            let (fileSpace, memorySpace) = try rowSelection(rows)
            try values.withUnsafeBufferPointer { buffer in
                try site.check(H5Dwrite(handle.id, zoo_H5T_NATIVE_FLOAT(), memorySpace.id, fileSpace.id,
                                        zoo_H5P_DEFAULT(), buffer.baseAddress), "H5Dwrite")
            }
        }
    }
}

extension H5Dataset {
    /// The file dataspace with rows `rows` (first dimension) selected, and a memory dataspace of
    /// the same shape, for hyperslab reads and writes.
    func rowSelection(_ rows: Range<Int>) throws -> (file: H5Handle, memory: H5Handle) {
        let start = [hsize_t(rows.lowerBound)] + shape.dropFirst().map { _ in hsize_t(0) }
        let count = [hsize_t(rows.count)] + shape.dropFirst().map { hsize_t($0) }
        let fileSpace = try site.handle(H5Dget_space(handle.id), "H5Dget_space", close: H5Sclose)
        try site.check(H5Sselect_hyperslab(fileSpace.id, H5S_SELECT_SET, start, nil, count, nil), "H5Sselect_hyperslab")
        let memorySpace = try site.handle(H5Screate_simple(Int32(count.count), count, nil), "H5Screate_simple", close: H5Sclose)
        return (fileSpace, memorySpace)
    }
}
