import ZooCLI

#if os(Linux)
/// glibc's `mallopt` (malloc.h, which Swift's Glibc module does not import).
@_silgen_name("mallopt") func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
let M_TRIM_THRESHOLD: Int32 = -1, M_MMAP_THRESHOLD: Int32 = -3

// Batches allocate tens of megabytes of activations and gradients per layer. By default glibc
// serves blocks over 128 KiB with mmap and unmaps them on free, so every batch pays page faults
// and zeroing anew; keeping them in the heap lets freed blocks be reused.
_ = mallopt(M_MMAP_THRESHOLD, 32 << 20)  // glibc's maximum on 64-bit
_ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
#endif

Zoo.run()
