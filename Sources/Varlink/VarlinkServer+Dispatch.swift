extension VarlinkServer {
    /// Reads one call out of `message`, runs it, and says whether the connection goes
    /// on carrying varlink messages (not after an upgrade, a malformed message or a
    /// failed write).
    func serveCall(_ message: JSONObject, on connection: VarlinkConnection,
                   peer: PeerCredentials, serial: Int) -> Bool {
        let call: VarlinkCall
        do {
            call = try Self.parseCall(message, peer: peer)
        } catch {
            refuse(.malformed(error.reason), on: connection, peer: peer)
            return false
        }
        let replier = VarlinkReplier(call: call, connection: connection) { [self] in
            isStopping
        }
        replier.onUpgrade = { [self] in
            releaseDescriptor(of: serial)
        }

        do {
            try dispatch(call, replier)
            if !replier.isFinished {
                try replier.reply()
            }
        } catch let error as VarlinkConnectionError {
            logger.debug("connection ended", ["method": call.method, "error": error])
            return false
        } catch {
            var reply = (error as? VarlinkError) ?? translateError(error)
            if let checked = error as? VarlinkError, validateReplies,
                let mismatch = errorMismatch(checked)
            {
                reply = translateError(mismatch)
                logger.error("call failed", ["method": call.method, "error": mismatch])
            } else if !(error is VarlinkError) {
                logger.error("call failed", ["method": call.method, "error": error])
            }
            guard !replier.isFinished else {
                // A stream broken off, or a failure after an upgrade: nothing to tell.
                if replier.upgraded == nil {
                    logger.warning("error after the final reply",
                                   ["method": call.method, "error": reply])
                }
                return false
            }
            do {
                try replier.fail(reply)
            } catch {
                return false
            }
        }
        return replier.upgraded == nil
    }

    /// Why `error` breaks its definition, when it belongs to a served interface that
    /// does not define it, or defines it with other parameters.
    func errorMismatch(_ error: VarlinkError) -> ErrorMismatch? {
        let dot = error.name.lastIndex(of: ".") ?? error.name.startIndex
        let interfaceName = String(error.name[..<dot])
        let interface: VarlinkInterface? = interfaceName == VarlinkError.serviceInterface
            ? VarlinkServiceInterface.parsed
            : registry.withLock { $0.services[interfaceName]?.interface }
        guard let interface else {
            return nil
        }
        let member = String(error.name[error.name.index(after: dot)...])
        guard let definition = interface.errors[member] else {
            return ErrorMismatch(name: error.name, path: nil)
        }
        if let path = interface.firstMismatch(.object(error.parameters),
                                              type: .structure(definition.parameters),
                                              path: "") {
            return ErrorMismatch(name: error.name, path: path)
        }
        return nil
    }

    struct MalformedCall: Error {
        let reason: String
    }

    static func parseCall(_ message: JSONObject, peer: PeerCredentials) throws(MalformedCall)
        -> VarlinkCall
    {
        guard let method = message["method"]?.stringValue else {
            throw MalformedCall(reason: "\"method\" is missing or not a string")
        }
        guard method.contains("."), !method.hasSuffix(".") else {
            throw MalformedCall(reason: "\"method\" is not a qualified method name")
        }
        var parameters = JSONObject()
        switch message["parameters"] {
        case nil, .null?:
            break
        case .object(let object)?:
            parameters = object
        default:
            throw MalformedCall(reason: "\"parameters\" is not an object")
        }
        func flag(_ name: String) throws(MalformedCall) -> Bool {
            switch message[name] {
            case nil, .null?: return false
            case .bool(let value)?: return value
            default: throw MalformedCall(reason: "\"\(name)\" is not a bool")
            }
        }
        return VarlinkCall(method: method, parameters: parameters, more: try flag("more"),
                           oneway: try flag("oneway"), upgrade: try flag("upgrade"),
                           peer: peer)
    }

    /// Finds the interface, the method and its handler, checks the parameters and runs
    /// the handler.
    func dispatch(_ call: VarlinkCall, _ replier: VarlinkReplier) throws {
        if call.interface == VarlinkError.serviceInterface {
            try serveServiceInterface(call, replier)
            return
        }
        guard let service = registry.withLock({ $0.services[call.interface] }) else {
            throw VarlinkError.interfaceNotFound(call.interface)
        }
        guard let method = service.interface.methods[call.member] else {
            throw VarlinkError.methodNotFound(call.method)
        }
        try service.interface.validateInput(of: method, call.parameters)
        guard let handler = service.handlers[call.member] else {
            throw VarlinkError.methodNotImplemented(call.method)
        }
        if validateReplies {
            replier.outputCheck = (service.interface, method.output)
        }
        try handler(call, replier)
    }

    /// org.varlink.service: GetInfo and GetInterfaceDescription.
    func serveServiceInterface(_ call: VarlinkCall, _ replier: VarlinkReplier) throws {
        let interface = VarlinkServiceInterface.parsed
        guard let method = interface.methods[call.member] else {
            throw VarlinkError.methodNotFound(call.method)
        }
        try interface.validateInput(of: method, call.parameters)
        switch call.member {
        case "GetInfo":
            try replier.reply([
                "vendor": .string(identity.vendor),
                "product": .string(identity.product),
                "version": .string(identity.version),
                "url": .string(identity.url),
                "interfaces": .array(interfaceNames.map { .string($0) }),
            ])
        case "GetInterfaceDescription":
            let name = call.parameters["interface"]?.stringValue ?? ""
            let text: String?
            if name == VarlinkError.serviceInterface {
                text = VarlinkServiceInterface.text
            } else {
                text = registry.withLock { $0.services[name]?.interface.text }
            }
            guard let text else {
                throw VarlinkError.interfaceNotFound(name)
            }
            try replier.reply(["description": .string(text)])
        default:
            throw VarlinkError.methodNotImplemented(call.method)
        }
    }
}
