/// `org.varlink.service`, the interface every varlink service provides, as this
/// layer serves it: the standard methods and errors, plus the two errors that
/// services commonly add (ExpectedMore, PermissionDenied).
enum VarlinkServiceInterface {
    static let text = """
        # The interface every varlink service provides: what the service is, and
        # the definitions of the interfaces it implements.
        interface org.varlink.service

        # The service's vendor, product, version and home page, and the names of the
        # interfaces it implements.
        method GetInfo() -> (
          vendor: string,
          product: string,
          version: string,
          url: string,
          interfaces: []string
        )

        # The definition of one of the service's interfaces, as text.
        method GetInterfaceDescription(interface: string) -> (description: string)

        # The service does not implement this interface.
        error InterfaceNotFound (interface: string)

        # The interface defines no method of this name.
        error MethodNotFound (method: string)

        # The interface defines the method but the service does not implement it.
        error MethodNotImplemented (method: string)

        # A parameter is missing, of the wrong type, or not allowed.
        error InvalidParameter (parameter: string)

        # The caller may not make this call.
        error PermissionDenied ()

        # The method streams its replies and must be called with "more".
        error ExpectedMore ()

        """

    static let parsed: VarlinkInterface = {
        do {
            return try VarlinkInterface(parsing: text)
        } catch {
            fatalError("org.varlink.service definition does not parse: \(error)")
        }
    }()
}
