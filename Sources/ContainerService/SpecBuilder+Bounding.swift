import RuntimeSupport
import SystemKit

extension SpecBuilder {
    /// The capabilities a privileged container gets: every capability the daemon's own
    /// bounding set holds. A runtime cannot grant one outside it (a sandbox without
    /// CAP_SYS_RESOURCE, say), and asking for it fails the start.
    static func privilegedCapabilities(statusPath: String = "/proc/self/status") -> [String] {
        guard let status = try? FileSystem.readText(statusPath),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapBnd:") }),
              let bounding = UInt64(line.dropFirst("CapBnd:".count)
                  .filter { !$0.isWhitespace }, radix: 16)
        else { return Capabilities.all }
        return Capabilities.names(inMask: bounding)
    }
}
