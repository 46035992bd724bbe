/// A JSON object: string keys in the order they were first set, each with a value.
///
/// Lookups are hashed; the order is kept beside them so that what a peer wrote comes
/// back out in the same order. Setting an existing key replaces its value in place;
/// a parsed object with a duplicate key keeps the last value, at the first position.
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var keys: [String] = []
    private var values: [String: JSONValue] = [:]

    public init() {}

    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        for (key, value) in pairs {
            self[key] = value
        }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    public var count: Int { keys.count }

    public var isEmpty: Bool { keys.isEmpty }

    /// The value of `key`; setting nil removes the key.
    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set {
            guard let newValue else {
                if values.removeValue(forKey: key) != nil {
                    keys.removeAll { $0 == key }
                }
                return
            }
            if values.updateValue(newValue, forKey: key) == nil {
                keys.append(key)
            }
        }
    }

    /// Objects are equal when they hold the same keys with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.values == rhs.values
    }

    public func makeIterator() -> Iterator {
        Iterator(object: self)
    }

    /// Iterates over the members in key order.
    public struct Iterator: IteratorProtocol {
        let object: JSONObject
        var index = 0

        public mutating func next() -> (key: String, value: JSONValue)? {
            guard index < object.keys.count else { return nil }
            let key = object.keys[index]
            index += 1
            return (key, object.values[key]!)
        }
    }
}
