/// Turns a `JSONValue` into a `Decodable` value, the way `JSONDecoder` would read its
/// text: objects fill structs by coding key, a missing key or `null` reads as `nil` for
/// an optional, an integral float reads as an integer and an integer as a float.
/// A `JSONValue` inside the value is taken as it is.
public struct JSONValueDecoder {
    public init() {}

    public func decode<Value: Decodable>(_ type: Value.Type, from json: JSONValue) throws
        -> Value
    {
        try NodeDecoder(value: json, codingPath: []).decodeValue(type)
    }

    /// Decodes the parameters of a varlink message.
    public func decode<Value: Decodable>(_ type: Value.Type, from object: JSONObject) throws
        -> Value
    {
        try decode(type, from: .object(object))
    }

    /// Decodes JSON text (UTF-8 bytes): parsed by `JSONParser`, then as above.
    public func decode<Value: Decodable>(_ type: Value.Type,
                                         fromText bytes: some Collection<UInt8>) throws
        -> Value
    {
        try decode(type, from: try JSONParser.parse(bytes))
    }
}

struct NodeDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch(_ expected: String) -> DecodingError {
        DecodingError.typeMismatch(Any.self, DecodingError.Context(
            codingPath: codingPath,
            debugDescription: "expected \(expected), got \(value.typeName)"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws
        -> KeyedDecodingContainer<Key>
    {
        guard case .object(let object) = value else {
            throw mismatch("an object")
        }
        return KeyedDecodingContainer(
            KeyedNodeDecoder<Key>(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else {
            throw mismatch("an array")
        }
        return UnkeyedNodeDecoder(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueNodeDecoder(decoder: self)
    }

    func integer<Integer: FixedWidthInteger>(_ type: Integer.Type) throws -> Integer {
        switch value {
        case .int(let number):
            if let result = Integer(exactly: number) { return result }
        case .double(let number):
            if let result = Integer(exactly: number) { return result }
        default:
            throw mismatch("an integer")
        }
        throw DecodingError.dataCorrupted(DecodingError.Context(
            codingPath: codingPath,
            debugDescription: "\(value) does not fit in \(Integer.self)"))
    }

    /// Decodes `type` from this node, taking primitives and `JSONValue` directly.
    func decodeValue<Value: Decodable>(_ type: Value.Type) throws -> Value {
        if type == JSONValue.self {
            return value as! Value
        }
        if type == JSONObject.self {
            guard case .object(let object) = value else { throw mismatch("an object") }
            return object as! Value
        }
        switch type {
        case is String.Type:
            guard case .string(let text) = value else { throw mismatch("a string") }
            return text as! Value
        case is Bool.Type:
            guard case .bool(let flag) = value else { throw mismatch("a bool") }
            return flag as! Value
        case is Int.Type: return try integer(Int.self) as! Value
        case is Int64.Type: return try integer(Int64.self) as! Value
        case is Int32.Type: return try integer(Int32.self) as! Value
        case is Int16.Type: return try integer(Int16.self) as! Value
        case is Int8.Type: return try integer(Int8.self) as! Value
        case is UInt.Type: return try integer(UInt.self) as! Value
        case is UInt64.Type: return try integer(UInt64.self) as! Value
        case is UInt32.Type: return try integer(UInt32.self) as! Value
        case is UInt16.Type: return try integer(UInt16.self) as! Value
        case is UInt8.Type: return try integer(UInt8.self) as! Value
        case is Double.Type:
            guard let number = value.doubleValue else { throw mismatch("a number") }
            return number as! Value
        case is Float.Type:
            guard let number = value.doubleValue else { throw mismatch("a number") }
            return Float(number) as! Value
        default:
            return try Value(from: self)
        }
    }
}

struct KeyedNodeDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let codingPath: [any CodingKey]

    var allKeys: [Key] {
        object.keys.compactMap { Key(stringValue: $0) }
    }

    func contains(_ key: Key) -> Bool {
        object[key.stringValue] != nil
    }

    func child(_ key: Key) throws -> NodeDecoder {
        guard let value = object[key.stringValue] else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(
                codingPath: codingPath,
                debugDescription: "missing field \"\(key.stringValue)\""))
        }
        return NodeDecoder(value: value, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        object[key.stringValue]?.isNull ?? true
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try child(key).decodeValue(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key)
        throws -> KeyedDecodingContainer<NestedKey>
    {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        NodeDecoder(value: object["super"] ?? .null, codingPath: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try child(key)
    }
}

struct UnkeyedNodeDecoder: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(elements: [JSONValue], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }

    var isAtEnd: Bool { currentIndex >= elements.count }

    mutating func next() throws -> NodeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, DecodingError.Context(
                codingPath: codingPath, debugDescription: "array has no more elements"))
        }
        let decoder = NodeDecoder(value: elements[currentIndex],
                                  codingPath: codingPath + [IndexKey(currentIndex)])
        currentIndex += 1
        return decoder
    }

    mutating func decodeNil() throws -> Bool {
        if !isAtEnd && elements[currentIndex].isNull {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try next().decodeValue(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        try next()
    }
}

struct SingleValueNodeDecoder: SingleValueDecodingContainer {
    let decoder: NodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool {
        decoder.value.isNull
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decoder.decodeValue(type)
    }
}

/// The coding key of an array element.
struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue!)" }

    init(_ index: Int) {
        intValue = index
    }

    init?(stringValue: String) {
        return nil
    }

    init?(intValue: Int) {
        self.intValue = intValue
    }
}
