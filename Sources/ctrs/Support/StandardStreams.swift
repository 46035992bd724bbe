#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemKit

/// Writing to ctrs's own standard output and error without Foundation: whole lines,
/// each written at once, so that output and diagnostics interleave sanely.
enum StandardStreams {
    /// Writes `text` and a newline to standard output.
    static func printLine(_ text: String) {
        write(text + "\n", to: .standardOutput)
    }

    /// Writes "ctrs: " and `text` to standard error.
    static func printError(_ text: String) {
        write("ctrs: " + text + "\n", to: .standardError)
    }

    /// Writes `text` as it is to `descriptor`; a closed pipe ends the output silently.
    static func write(_ text: String, to descriptor: FileDescriptor) {
        try? descriptor.writeAll(text)
    }

    /// Whether `descriptor` is a terminal.
    static func isTerminal(_ descriptor: FileDescriptor) -> Bool {
        isatty(descriptor.rawValue) == 1
    }
}
