#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import SystemKit

/// The OCI runtime's verbs, as the `runcs` command line calls them. Each verb is one
/// file (`Runtime+Create.swift`, ...). Single-threaded by design: see `ContainerInit`.
public struct Runtime: Sendable {
    public let store: StateStore
    let logger: Logger

    public init(root: String, logger: Logger = .shared) {
        store = StateStore(root: root)
        self.logger = logger
    }

    /// What `create` and `run` take from the command line.
    public struct CreateOptions: Sendable {
        public var bundle: String
        public var pidFile: String?
        public var consoleSocket: String?
        public var noPivot: Bool
        public var preserveFDs: Int
        /// A connected console socket made by `run` itself for a foreground terminal.
        var consoleDescriptor: Int32?

        public init(bundle: String, pidFile: String? = nil, consoleSocket: String? = nil,
                    noPivot: Bool = false, preserveFDs: Int = 0) {
            self.bundle = bundle
            self.pidFile = pidFile
            self.consoleSocket = consoleSocket
            self.noPivot = noPivot
            self.preserveFDs = preserveFDs
        }
    }

    /// The state of `id` with its current status, as `runcs state` prints it.
    public func state(_ id: String) throws(RuntimeError) -> StateReport {
        try StateStore.validate(id: id)
        let state = try store.load(id)
        return StateReport(state, status: store.status(of: state))
    }

    /// Every container under the root, in id order.
    public func list() -> [StateReport] {
        store.ids().compactMap { id in
            guard let state = try? store.load(id) else {
                return nil
            }
            return StateReport(state, status: store.status(of: state))
        }
    }

    /// Writes the default config.json into `bundle`; refuses to replace one.
    public static func writeDefaultSpec(bundle: String, rootless: Bool) throws(RuntimeError) {
        let path = "\(bundle)/config.json"
        if FileSystem.exists(path) {
            throw RuntimeError(.alreadyExists, "file \(path) exists, remove it first")
        }
        let bytes: [UInt8]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            bytes = Array(try encoder.encode(Spec.makeDefault(rootless: rootless))) + [0x0a]
        } catch {
            throw RuntimeError(.internal, "encode default spec: \(error)")
        }
        do {
            try FileSystem.writeAtomically(path, bytes, mode: 0o644)
        } catch {
            throw RuntimeError(.internal, "write \(path): \(error)")
        }
    }

    /// The JSON text of `value`, pretty-printed like runc prints state.
    public static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
