/// Typed, path-aware access to the fields of one JSON object, for hand-written
/// decoding: a missing or null field reads as nil, a field of the wrong type throws an
/// error naming its full path ("process.user.uid must be an integer").
struct JSONObject {
    let fields: [String: JSONValue]
    let path: String

    init(_ value: JSONValue, path: String) throws(RuntimeError) {
        guard case .object(let fields) = value else {
            let name = path.isEmpty ? "document" : path
            throw RuntimeError(.invalidArgument, "\(name) must be an object")
        }
        self.fields = fields
        self.path = path
    }

    private func name(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    private func wrongType(_ key: String, _ kind: String) -> RuntimeError {
        RuntimeError(.invalidArgument, "\(name(key)) must be \(kind)")
    }

    /// The field, with JSON null read as absent.
    func value(_ key: String) -> JSONValue? {
        guard let value = fields[key], value != .null else {
            return nil
        }
        return value
    }

    func string(_ key: String) throws(RuntimeError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.string else { throw wrongType(key, "a string") }
        return string
    }

    func requiredString(_ key: String) throws(RuntimeError) -> String {
        guard let string = try string(key) else {
            throw RuntimeError(.invalidArgument, "\(name(key)) is missing")
        }
        return string
    }

    func bool(_ key: String) throws(RuntimeError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.bool else { throw wrongType(key, "true or false") }
        return bool
    }

    func integer<T: FixedWidthInteger>(_ key: String, _ type: T.Type = T.self)
        throws(RuntimeError) -> T?
    {
        guard let value = value(key) else { return nil }
        guard let number = value.integer(T.self) else {
            throw wrongType(key, "an integer in range")
        }
        return number
    }

    func requiredInteger<T: FixedWidthInteger>(_ key: String, _ type: T.Type = T.self)
        throws(RuntimeError) -> T
    {
        guard let number = try integer(key, T.self) else {
            throw RuntimeError(.invalidArgument, "\(name(key)) is missing")
        }
        return number
    }

    func strings(_ key: String) throws(RuntimeError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard let items = value.array else { throw wrongType(key, "an array of strings") }
        var result: [String] = []
        for item in items {
            guard let string = item.string else { throw wrongType(key, "an array of strings") }
            result.append(string)
        }
        return result
    }

    func integers<T: FixedWidthInteger>(_ key: String, _ type: T.Type = T.self)
        throws(RuntimeError) -> [T]?
    {
        guard let value = value(key) else { return nil }
        guard let items = value.array else { throw wrongType(key, "an array of integers") }
        var result: [T] = []
        for item in items {
            guard let number = item.integer(T.self) else {
                throw wrongType(key, "an array of integers")
            }
            result.append(number)
        }
        return result
    }

    func stringMap(_ key: String) throws(RuntimeError) -> [String: String]? {
        guard let value = value(key) else { return nil }
        guard let object = value.object else { throw wrongType(key, "an object of strings") }
        var result: [String: String] = [:]
        for (field, item) in object {
            guard let string = item.string else { throw wrongType(key, "an object of strings") }
            result[field] = string
        }
        return result
    }

    func object(_ key: String) throws(RuntimeError) -> JSONObject? {
        guard let value = value(key) else { return nil }
        return try JSONObject(value, path: name(key))
    }

    func objects(_ key: String) throws(RuntimeError) -> [JSONObject]? {
        guard let value = value(key) else { return nil }
        guard let items = value.array else { throw wrongType(key, "an array") }
        var result: [JSONObject] = []
        for (index, item) in items.enumerated() {
            result.append(try JSONObject(item, path: "\(name(key))[\(index)]"))
        }
        return result
    }
}
