/// Turns an `Encodable` value into a `JSONValue`, the way `JSONEncoder` would write it:
/// structs become objects with their coding keys in order, arrays stay arrays,
/// `nil` optionals are left out, integers become `.int` and floating-point numbers
/// `.double`. A `JSONValue` inside the value is taken as it is.
public struct JSONValueEncoder {
    public init() {}

    public func encode<Value: Encodable>(_ value: Value) throws -> JSONValue {
        if let json = value as? JSONValue {
            return json
        }
        let root = EncodingNode()
        try value.encode(to: NodeEncoder(node: root, codingPath: []))
        return root.finished()
    }

    /// The compact JSON text of `value` (see `JSONValue.serialized`), with the keys of
    /// every object in code-unit order when `sortedKeys`, so that equal values give
    /// equal bytes.
    public func encodeText<Value: Encodable>(_ value: Value, sortedKeys: Bool = false)
        throws -> [UInt8]
    {
        let json = try encode(value)
        return (sortedKeys ? json.sortingKeys() : json).serialized()
    }

    /// Encodes `value`, which must encode as an object (a struct or a dictionary with
    /// string keys), as the parameters of a varlink message.
    public func encodeObject<Value: Encodable>(_ value: Value) throws -> JSONObject {
        let json = try encode(value)
        guard case .object(let object) = json else {
            throw EncodingError.invalidValue(value, EncodingError.Context(
                codingPath: [], debugDescription: "expected an object, got \(json.typeName)"))
        }
        return object
    }
}

/// One value under construction; containers nest these and `finished()` folds them.
final class EncodingNode {
    enum Kind {
        case unset, value, object, array
    }

    var kind = Kind.unset
    var value = JSONValue.null
    var keys: [String] = []
    var children: [String: EncodingNode] = [:]
    var elements: [EncodingNode] = []

    func finished() -> JSONValue {
        switch kind {
        case .unset:
            return .object(JSONObject())
        case .value:
            return value
        case .object:
            var object = JSONObject()
            for key in keys {
                object[key] = children[key]!.finished()
            }
            return .object(object)
        case .array:
            return .array(elements.map { $0.finished() })
        }
    }

    func set(_ value: JSONValue) {
        kind = .value
        self.value = value
    }

    func becomeObject() {
        if kind != .object {
            kind = .object
            keys = []
            children = [:]
        }
    }

    func becomeArray() {
        if kind != .array {
            kind = .array
            elements = []
        }
    }

    func child(forKey key: String) -> EncodingNode {
        becomeObject()
        if let node = children[key] {
            return node
        }
        let node = EncodingNode()
        keys.append(key)
        children[key] = node
        return node
    }

    func appendChild() -> EncodingNode {
        becomeArray()
        let node = EncodingNode()
        elements.append(node)
        return node
    }

    /// Encodes `value` into this node, taking primitives and `JSONValue` directly.
    func store<Value: Encodable>(_ value: Value, codingPath: [any CodingKey]) throws {
        switch value {
        case let json as JSONValue: set(json)
        case let text as String: set(.string(text))
        case let flag as Bool: set(.bool(flag))
        case let number as Int: set(.int(Int64(number)))
        case let number as Int64: set(.int(number))
        case let number as Int32: set(.int(Int64(number)))
        case let number as Int16: set(.int(Int64(number)))
        case let number as Int8: set(.int(Int64(number)))
        case let number as UInt8: set(.int(Int64(number)))
        case let number as UInt16: set(.int(Int64(number)))
        case let number as UInt32: set(.int(Int64(number)))
        case let number as UInt:
            set(Int64(exactly: number).map { .int($0) } ?? .double(Double(number)))
        case let number as UInt64:
            set(Int64(exactly: number).map { .int($0) } ?? .double(Double(number)))
        case let number as Double: set(.double(number))
        case let number as Float: set(.double(Double(number)))
        default:
            try value.encode(to: NodeEncoder(node: self, codingPath: codingPath))
        }
    }
}

struct NodeEncoder: Encoder {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeObject()
        return KeyedEncodingContainer(KeyedNodeEncoder<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.becomeArray()
        return UnkeyedNodeEncoder(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueNodeEncoder(node: node, codingPath: codingPath)
    }
}

struct KeyedNodeEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws {
        node.child(forKey: key.stringValue).set(.null)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try node.child(forKey: key.stringValue).store(value, codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
            .container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        NodeEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
            .unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        NodeEncoder(node: node.child(forKey: "super"), codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        NodeEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
    }
}

struct UnkeyedNodeEncoder: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    var count: Int {
        node.elements.count
    }

    mutating func encodeNil() throws {
        node.appendChild().set(.null)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try node.appendChild().store(value, codingPath: codingPath)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        NodeEncoder(node: node.appendChild(), codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        NodeEncoder(node: node.appendChild(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        NodeEncoder(node: node.appendChild(), codingPath: codingPath)
    }
}

struct SingleValueNodeEncoder: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws {
        node.set(.null)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try node.store(value, codingPath: codingPath)
    }
}
