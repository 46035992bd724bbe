import RuntimeKit

extension SpecBuilder {
    /// The capabilities of an unprivileged container, as Docker gives them: enough for
    /// root in an image to do an image's ordinary work (own files, switch users, bind
    /// low ports, make device nodes the device rules allow), none that reaches the host
    /// (no SYS_ADMIN, NET_ADMIN, SYS_MODULE, SYS_PTRACE...). None is ambient, so a
    /// process run as another user starts without them.
    static let defaultCapabilities = [
        "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
        "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
    ].map { "CAP_" + $0 }

    /// Gives `spec`'s process the default capabilities.
    func applyDefaultCapabilities(_ spec: inout Spec) {
        let set = Self.defaultCapabilities
        spec.process?.capabilities = Spec.Capabilities(bounding: set, effective: set,
                                                       inheritable: nil, permitted: set,
                                                       ambient: nil)
    }
}
