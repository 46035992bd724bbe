import Varlink

/// Shows how far a pull has come: one bar per blob redrawn in place on a terminal, a
/// line per change of a blob's status otherwise, or nothing.
struct PullProgressDisplay {
    enum Style {
        case bars
        case lines
        case silent
    }

    struct Blob {
        var kind: String
        var status: String
        var offset: Int64
        var size: Int64
    }

    static let barWidth = 30

    let style: Style
    private var order: [String] = []
    private var blobs: [String: Blob] = [:]
    private var drawnLines = 0

    init(style: Style) {
        self.style = style
    }

    mutating func update(_ progress: JSONObject) {
        let digest = progress.text("digest")
        let blob = Blob(kind: progress.text("kind"), status: progress.text("status"),
                        offset: progress.number("offset"), size: progress.number("size"))
        let previous = blobs[digest]
        if previous == nil {
            order.append(digest)
        }
        blobs[digest] = blob
        switch style {
        case .silent:
            return
        case .lines:
            if previous?.status != blob.status {
                StandardStreams.printLine(line(digest, blob))
            }
        case .bars:
            redraw()
        }
    }

    /// Leaves the cursor below the last bar.
    mutating func finish() {
        if style == .bars && drawnLines > 0 {
            redraw()
        }
    }

    private mutating func redraw() {
        var text = drawnLines > 0 ? "\u{1B}[\(drawnLines)A" : ""
        for digest in order {
            text += "\u{1B}[2K" + line(digest, blobs[digest]!, bar: true) + "\n"
        }
        drawnLines = order.count
        StandardStreams.write(text, to: .standardOutput)
    }

    private func line(_ digest: String, _ blob: Blob, bar: Bool = false) -> String {
        let name = "\(Formatting.shortDigest(digest)) \(blob.kind)"
        guard bar else {
            return "\(name): \(blob.status) \(Formatting.size(blob.size))"
        }
        let fraction = blob.size > 0 ? min(1, Double(blob.offset) / Double(blob.size)) : 1
        let filled = Int(fraction * Double(Self.barWidth))
        let meter = String(repeating: "=", count: filled)
            + String(repeating: " ", count: Self.barWidth - filled)
        return "\(name) [\(meter)] \(Formatting.size(blob.offset))/"
            + "\(Formatting.size(blob.size)) \(blob.status)"
    }
}
