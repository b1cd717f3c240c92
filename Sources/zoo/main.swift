import ZooCLI

#if os(Linux)
/// glibc's `mallopt` (malloc.h, which Swift's Glibc module does not import).
@_silgen_name("mallopt") func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
let M_TRIM_THRESHOLD: Int32 = -1, M_MMAP_MAX: Int32 = -4

// Batches allocate tens to hundreds of megabytes of activations and gradients per layer. By
// default glibc serves blocks over 128 KiB with mmap and unmaps them on free, so every batch
// pays page faults and zeroing anew (a fifth of a 224-px forward pass); serving every block
// from the heap, and not trimming it, lets freed blocks be reused.
_ = mallopt(M_MMAP_MAX, 0)
_ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
#endif

Zoo.run()
