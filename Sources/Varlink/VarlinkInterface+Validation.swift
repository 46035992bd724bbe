extension VarlinkInterface {
    /// Checks the parameters of a call to `method` against its input struct.
    ///
    /// Throws `org.varlink.service.InvalidParameter` naming the first offending
    /// parameter: a missing field that is not optional, a value of the wrong type, an
    /// unknown field, an enum value not listed. The name is a path into the parameters,
    /// such as `spec.mounts[1].source`, so that the caller sees which part is wrong.
    public func validateInput(of method: VarlinkMethod, _ parameters: JSONObject)
        throws(VarlinkError)
    {
        if let path = firstMismatch(parameters, fields: method.input, path: "") {
            throw VarlinkError.invalidParameter(path)
        }
    }

    /// The path of the first part of `value` that does not match `type`, or nil when
    /// it all matches.
    public func firstMismatch(_ value: JSONValue, type: VarlinkType, path: String) -> String? {
        switch type {
        case .optional(let element):
            return value.isNull ? nil : firstMismatch(value, type: element, path: path)
        case .bool:
            return value.boolValue == nil ? path : nil
        case .int:
            return value.intValue == nil ? path : nil
        case .float:
            return value.doubleValue == nil ? path : nil
        case .string:
            return value.stringValue == nil ? path : nil
        case .object:
            return value.objectValue == nil ? path : nil
        case .named(let name):
            guard let definition = types[name] else {
                return path
            }
            return firstMismatch(value, type: definition.type, path: path)
        case .enumeration(let names):
            guard let text = value.stringValue, names.contains(text) else {
                return path
            }
            return nil
        case .structure(let fields):
            guard let object = value.objectValue else {
                return path
            }
            return firstMismatch(object, fields: fields, path: path)
        case .array(let element):
            guard let elements = value.arrayValue else {
                return path
            }
            for (index, item) in elements.enumerated() {
                if let bad = firstMismatch(item, type: element, path: "\(path)[\(index)]") {
                    return bad
                }
            }
            return nil
        case .map(let element):
            guard let object = value.objectValue else {
                return path
            }
            for (key, item) in object {
                if let bad = firstMismatch(item, type: element, path: join(path, key)) {
                    return bad
                }
            }
            return nil
        }
    }

    func firstMismatch(_ object: JSONObject, fields: [VarlinkField], path: String) -> String? {
        for field in fields {
            let fieldPath = join(path, field.name)
            guard let value = object[field.name] else {
                if case .optional = field.type {
                    continue
                }
                return fieldPath
            }
            if let bad = firstMismatch(value, type: field.type, path: fieldPath) {
                return bad
            }
        }
        for key in object.keys where !fields.contains(where: { $0.name == key }) {
            return join(path, key)
        }
        return nil
    }

    func join(_ path: String, _ name: String) -> String {
        path.isEmpty ? name : "\(path).\(name)"
    }
}
