#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CShim

/// The controlling terminal of a client: raw mode while a container owns it, and the
/// original settings restored however the program ends.
public struct Terminal: Sendable {
    public let descriptor: FileDescriptor
    private let saved: termios

    /// Puts `descriptor` into raw mode and returns the means to restore it, or nil when
    /// it is not a terminal.
    public static func makeRaw(_ descriptor: FileDescriptor = .standardInput)
        throws(SystemError) -> Terminal?
    {
        guard isatty(descriptor.rawValue) == 1 else {
            return nil
        }
        var settings = termios()
        try Syscall.check("tcgetattr") { tcgetattr(descriptor.rawValue, &settings) }
        let terminal = Terminal(descriptor: descriptor, saved: settings)
        cfmakeraw(&settings)
        // Keep output post-processing so that a stray "\n" from us still returns the carriage.
        settings.c_oflag |= tcflag_t(OPOST)
        try Syscall.check("tcsetattr") { tcsetattr(descriptor.rawValue, TCSANOW, &settings) }
        return terminal
    }

    /// Restores the settings found by `makeRaw`.
    public func restore() {
        var settings = saved
        _ = tcsetattr(descriptor.rawValue, TCSANOW, &settings)
    }

    /// The window size of the terminal at `descriptor`, or nil when it has none.
    public static func size(of descriptor: FileDescriptor) -> (rows: UInt16, columns: UInt16)? {
        var rows: UInt16 = 0
        var columns: UInt16 = 0
        guard cshim_get_winsize(descriptor.rawValue, &rows, &columns) == 0 else {
            return nil
        }
        return (rows, columns)
    }

    /// Sets the window size of the terminal at `descriptor`.
    public static func setSize(of descriptor: FileDescriptor, rows: UInt16, columns: UInt16)
        throws(SystemError)
    {
        try Syscall.check("ioctl(TIOCSWINSZ)") {
            cshim_set_winsize(descriptor.rawValue, rows, columns)
        }
    }
}
