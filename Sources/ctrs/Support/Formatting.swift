import Varlink

/// Small conversions for what ctrs prints: sizes, times, fields of daemon replies.
enum Formatting {
    /// A byte count as Docker prints it: "7.8MB", "512B" (powers of 1000).
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == 0 {
            return "\(bytes)B"
        }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)\(units[unit])"
    }

    /// A byte count in binary units for memory: "12.5MiB".
    static func binarySize(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 {
            return "\(bytes)B"
        }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)\(units[unit])"
    }

    /// An RFC 3339 time shortened to the second: "2026-12-03 17:20:01".
    static func time(_ text: String?) -> String {
        guard let text, text.count >= 19 else {
            return text ?? ""
        }
        let prefix = text.prefix(19)
        return prefix.replacingFirst("T", with: " ")
    }

    /// A digest shortened as Docker shows image ids: the first 12 hex digits.
    static func shortDigest(_ digest: String) -> String {
        let hex = digest.split(separator: ":").last.map(String.init) ?? digest
        return String(hex.prefix(12))
    }

    /// The string member `key` of `object`, or "".
    static func string(_ object: JSONObject?, _ key: String) -> String {
        object?[key]?.stringValue ?? ""
    }

    /// The integer member `key` of `object`, or 0.
    static func integer(_ object: JSONObject?, _ key: String) -> Int64 {
        object?[key]?.intValue ?? 0
    }
}

extension Substring {
    func replacingFirst(_ target: Character, with replacement: String) -> String {
        guard let index = firstIndex(of: target) else {
            return String(self)
        }
        return String(self[..<index]) + replacement + String(self[self.index(after: index)...])
    }
}

extension JSONObject {
    /// The string member `key`, or "".
    func text(_ key: String) -> String {
        self[key]?.stringValue ?? ""
    }

    /// The integer member `key`, or 0.
    func number(_ key: String) -> Int64 {
        self[key]?.intValue ?? 0
    }
}
