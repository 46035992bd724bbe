/// The release and API version that every binary reports.
public enum ContairdVersion {
    public static let version = "0.1.0"
    /// The version of the io.contaird varlink interfaces.
    public static let api = "1"
    /// The source revision this release was cut from.
    public static let revision = "0.1.0-dev"
}
