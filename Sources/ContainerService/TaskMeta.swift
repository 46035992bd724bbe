import SystemKit

/// What the daemon notes beside a monitor's files about a task: whether it has a
/// terminal and when it started (`task.meta`), and whether it is paused (`paused`).
struct TaskMeta {
    static let file = "task.meta"
    static let pausedFile = "paused"

    var tty: Bool
    var startedAt: String?

    static func read(_ directory: String) -> TaskMeta {
        guard let text = try? FileSystem.readText(directory + "/" + file) else {
            return TaskMeta(tty: false, startedAt: nil)
        }
        let lines = text.split(separator: "\n").map(String.init)
        return TaskMeta(tty: lines.first == "tty", startedAt: lines.count > 1 ? lines[1] : nil)
    }

    func write(_ directory: String) {
        let text = (tty ? "tty" : "notty") + "\n" + (startedAt ?? "") + "\n"
        try? FileSystem.writeAtomically(directory + "/" + Self.file, text: text, durable: false)
    }
}
