import ImageSpec

/// Image names as users type them and as the store keeps them.
enum ImageNames {
    /// `reference` normalized as Docker does, or as given when it does not parse.
    static func normalized(_ reference: String) -> String {
        (try? ImageReference(parsing: reference))?.description ?? reference
    }

    /// Names in `known` that look like `reference`: the same repository with another tag,
    /// or a repository name a typo or two away ("alpne" → "alpine").
    static func suggestions(for reference: String, among known: [String]) -> [String] {
        guard let wanted = try? ImageReference(parsing: reference) else { return [] }
        let scored: [(String, Int)] = known.compactMap { name in
            guard let candidate = try? ImageReference(parsing: name) else { return nil }
            if candidate.name == wanted.name { return (name, 0) }
            let distance = editDistance(lastComponent(candidate.path), lastComponent(wanted.path))
            return distance <= 2 ? (name, distance) : nil
        }
        return scored.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(3).map(\.0)
    }

    static func lastComponent(_ path: String) -> String {
        String(path.split(separator: "/").last ?? Substring(path))
    }

    /// The Levenshtein distance between `a` and `b`.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
