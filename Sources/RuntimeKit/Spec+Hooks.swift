extension Spec {
    /// `hooks`: programs run at points of the container's life (runtime-spec config.md,
    /// "POSIX-platform Hooks"), each list in the order given.
    public struct Hooks: Codable, Sendable, Equatable {
        /// Deprecated, still run: in the runtime namespace during `create`, before
        /// pivot_root, ahead of `createRuntime`.
        public var prestart: [Hook]?
        /// In the runtime namespace during `create`, once the namespaces and mounts exist,
        /// before pivot_root.
        public var createRuntime: [Hook]?
        /// In the container's namespaces during `create`, before pivot_root; the path is
        /// a host path.
        public var createContainer: [Hook]?
        /// In the container during `start`, just before the user's process is executed.
        public var startContainer: [Hook]?
        /// In the runtime namespace once the user's process runs; a failure only warns.
        public var poststart: [Hook]?
        /// In the runtime namespace when the container is deleted; a failure only warns.
        public var poststop: [Hook]?

        public init(prestart: [Hook]? = nil, createRuntime: [Hook]? = nil,
                    createContainer: [Hook]? = nil, startContainer: [Hook]? = nil,
                    poststart: [Hook]? = nil, poststop: [Hook]? = nil) {
            self.prestart = prestart
            self.createRuntime = createRuntime
            self.createContainer = createContainer
            self.startContainer = startContainer
            self.poststart = poststart
            self.poststop = poststop
        }

        /// The hooks of one kind, empty when none are configured.
        public func hooks(_ kind: HookKind) -> [Hook] {
            configured(kind) ?? []
        }

        /// The list of one kind as config.json has it: nil when absent.
        func configured(_ kind: HookKind) -> [Hook]? {
            switch kind {
            case .prestart: prestart
            case .createRuntime: createRuntime
            case .createContainer: createContainer
            case .startContainer: startContainer
            case .poststart: poststart
            case .poststop: poststop
            }
        }

        /// Whether `create` must stop the init before pivot_root so that the runtime
        /// can run `prestart` and `createRuntime` hooks.
        var runsInRuntimeDuringCreate: Bool {
            !hooks(.prestart).isEmpty || !hooks(.createRuntime).isEmpty
        }

        /// Whether the init runs hooks of its own and so needs the container's state.
        var runsInContainer: Bool {
            !hooks(.createContainer).isEmpty || !hooks(.startContainer).isEmpty
        }
    }

    /// One hook: an absolute `path`, its `args` (args[0] is argv[0]), its whole
    /// environment, and how many seconds it may take.
    public struct Hook: Codable, Sendable, Equatable {
        public var path: String
        public var args: [String]?
        public var env: [String]?
        public var timeout: Int?

        public init(path: String, args: [String]? = nil, env: [String]? = nil,
                    timeout: Int? = nil) {
            self.path = path
            self.args = args
            self.env = env
            self.timeout = timeout
        }
    }
}

/// The six points of a container's life where hooks run, by their config.json names.
public enum HookKind: String, Sendable, CaseIterable {
    case prestart, createRuntime, createContainer, startContainer, poststart, poststop
}

extension Spec.Hooks {
    init(json: JSONObject) throws(RuntimeError) {
        func list(_ kind: HookKind) throws(RuntimeError) -> [Spec.Hook]? {
            try json.objects(kind.rawValue)?.map { hook throws(RuntimeError) in
                try Spec.Hook(json: hook)
            }
        }
        self.init(prestart: try list(.prestart), createRuntime: try list(.createRuntime),
                  createContainer: try list(.createContainer),
                  startContainer: try list(.startContainer), poststart: try list(.poststart),
                  poststop: try list(.poststop))
    }

    var json: JSONValue {
        var fields: [String: JSONValue] = [:]
        for kind in HookKind.allCases {
            fields[kind.rawValue] = configured(kind).map { JSONValue.array($0.map(\.json)) }
        }
        return .object(fields)
    }
}

extension Spec.Hook {
    /// One hook entry; `path` must be absolute and `timeout` above zero, as the
    /// specification requires.
    init(json: JSONObject) throws(RuntimeError) {
        self.init(path: try json.requiredString("path"), args: try json.strings("args"),
                  env: try json.strings("env"), timeout: try json.integer("timeout"))
        guard path.hasPrefix("/") else {
            throw RuntimeError(.invalidArgument,
                               "\(json.path).path must be absolute, got \"\(path)\"")
        }
        if let timeout, timeout <= 0 {
            throw RuntimeError(.invalidArgument,
                               "\(json.path).timeout must be greater than zero, got \(timeout)")
        }
    }

    var json: JSONValue {
        var fields: [String: JSONValue] = ["path": .string(path)]
        fields["args"] = .stringList(args)
        fields["env"] = .stringList(env)
        fields["timeout"] = timeout.map { JSONValue.whole($0) }
        return .object(fields)
    }
}
