/// The five capability sets of OCI `process.capabilities`, by name ("CAP_KILL").
public struct CapabilitySets: Sendable, Equatable {
    public var bounding: [String]
    public var effective: [String]
    public var inheritable: [String]
    public var permitted: [String]
    public var ambient: [String]

    public init(
        bounding: [String] = [],
        effective: [String] = [],
        inheritable: [String] = [],
        permitted: [String] = [],
        ambient: [String] = []
    ) {
        self.bounding = bounding
        self.effective = effective
        self.inheritable = inheritable
        self.permitted = permitted
        self.ambient = ambient
    }
}
