/// What a client asks for when it creates a container: the `ContainerSpec` of
/// `docs/api/io.contaird.Containers.varlink`, field for field. Absent fields take the
/// image's values or the defaults.
public struct ContainerSpec: Codable, Sendable, Equatable {
    public var image: String
    public var args: [String]?
    public var entrypoint: [String]?
    public var env: [String]?
    public var cwd: String?
    public var user: String?
    public var hostname: String?
    public var mounts: [Mount]?
    public var netHost: Bool?
    public var tty: Bool?
    public var terminalSize: TerminalSize?
    public var stdin: Bool?
    public var readonly: Bool?
    public var privileged: Bool?
    public var resources: Resources?
    public var runtime: String?
    public var `init`: Bool?
    public var autoRemove: Bool?

    public init(image: String) {
        self.image = image
    }

    public struct Mount: Codable, Sendable, Equatable {
        public var type: String
        public var source: String
        public var destination: String
        public var options: [String]

        public init(type: String, source: String, destination: String, options: [String]) {
            self.type = type
            self.source = source
            self.destination = destination
            self.options = options
        }
    }

    public struct TerminalSize: Codable, Sendable, Equatable {
        public var rows: Int
        public var columns: Int

        public init(rows: Int, columns: Int) {
            self.rows = rows
            self.columns = columns
        }
    }

    public struct Resources: Codable, Sendable, Equatable {
        public var memoryLimitBytes: Int64?
        public var cpus: Double?
        public var pidsLimit: Int64?

        public init(memoryLimitBytes: Int64? = nil, cpus: Double? = nil, pidsLimit: Int64? = nil) {
            self.memoryLimitBytes = memoryLimitBytes
            self.cpus = cpus
            self.pidsLimit = pidsLimit
        }
    }
}
