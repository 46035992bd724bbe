#if canImport(Glibc)
import Glibc
#endif

/// Runs `body(worker)` for workers 0..<count, each on its own POSIX thread, and returns
/// when all have finished. Plain threads, not Swift tasks: each worker blocks in libcurl
/// for the whole of its downloads, which would starve the cooperative pool.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    guard count > 1 else {
        if count == 1 { body(0) }
        return
    }
    var threads: [pthread_t] = []
    for worker in 0..<count {
        let start = ThreadStart { body(worker) }
        let context = Unmanaged.passRetained(start).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let start = Unmanaged<ThreadStart>.fromOpaque(context!).takeRetainedValue()
            start.body()
            return nil
        }, context)
        if result == 0 {
            threads.append(thread)
        } else {
            // No thread to spare: this worker's share runs here instead.
            Unmanaged<ThreadStart>.fromOpaque(context).release()
            body(worker)
        }
    }
    for thread in threads {
        pthread_join(thread, nil)
    }
}

private final class ThreadStart: Sendable {
    let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
    }
}
