import CLazyLibraries

/// A library that contaird loads at its first use instead of at start (libcurl,
/// libarchive, libcrypto; Sources/CLazyLibraries). Calling into one that cannot be
/// loaded ends the program, so code that can report the failure instead loads it
/// first: for good (`loadFailure`), or for as long as it holds a reference
/// (`acquire`, `release`: libarchive goes away again when no image is being read or
/// written).
public enum LazyLibrary: Sendable {
    case curl, archive, crypto

    /// Loads the library for good; nil when it is usable, else why not ("cannot load
    /// libcurl.so.4: ...").
    public func loadFailure() -> String? {
        withMessage { lazy_library_load(cValue, $0, $1) }
    }

    /// Loads the library and takes a reference to it; nil when it is usable (release the
    /// reference when done), else why not.
    public func acquire() -> String? {
        withMessage { lazy_library_acquire(cValue, $0, $1) }
    }

    /// Drops a reference taken by `acquire`; the last one unloads the library.
    public func release() {
        lazy_library_release(cValue)
    }

    func withMessage(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> String? {
        var message = [CChar](repeating: 0, count: 512)
        guard body(&message, message.count) != 0 else {
            return nil
        }
        return String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                      as: UTF8.self)
    }

    var cValue: lazy_library {
        switch self {
        case .curl: LAZY_LIBRARY_CURL
        case .archive: LAZY_LIBRARY_ARCHIVE
        case .crypto: LAZY_LIBRARY_CRYPTO
        }
    }
}
