#if canImport(Glibc)
import Glibc
#endif
import SystemKit

/// The OCI runtime's verbs, as the `runcs` command line calls them. Each verb is one
/// file (`Runtime+Create.swift`, ...). Single-threaded by design: see `ContainerInit`.
public struct Runtime: Sendable {
    public let store: StateStore
    /// `--rootless`: true or false, or nil to find out when it matters (`rootless`).
    let rootlessSetting: Bool?
    let logger: Logger

    public init(root: String, rootless: Bool? = nil, logger: Logger = .shared) {
        store = StateStore(root: root)
        rootlessSetting = rootless
        self.logger = logger
    }

    /// Whether runcs lacks privileges over the host (`Runtime+Rootless`).
    public var rootless: Bool {
        rootlessSetting ?? Self.isRootlessByDefault()
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
        /// config.json already read by the caller (`run`), so it is decoded once.
        var spec: Spec?

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
            do throws(RuntimeError) {
                let state = try store.load(id)
                return StateReport(state, status: store.status(of: state))
            } catch where error.code == .notFound {
                return nil  // a create under way, or one that died before saving its state
            } catch {
                logger.warning("container left out of the list: \(error.message)", ["id": id])
                return nil
            }
        }
    }

    /// Writes the default config.json into `bundle`; refuses to replace one.
    public static func writeDefaultSpec(bundle: String, rootless: Bool) throws(RuntimeError) {
        let path = "\(bundle)/config.json"
        if FileSystem.exists(path) {
            throw RuntimeError(.alreadyExists, "file \(path) exists, remove it first")
        }
        let text = Spec.makeDefault(rootless: rootless).json.serialized(pretty: true) + "\n"
        let bytes = Array(text.utf8)
        do {
            try FileSystem.writeAtomically(path, bytes, mode: 0o644)
        } catch {
            throw RuntimeError(.internal, "write \(path): \(error)")
        }
    }
}
