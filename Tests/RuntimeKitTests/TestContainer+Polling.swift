import Glibc
import RuntimeKit
import SystemKit
import Testing

extension TestContainer {
    /// `alpine(args:)` with a root the container may write to.
    static func writableAlpine(args: [String]) throws -> TestContainer {
        let container = try alpine(args: args)
        container.spec.root?.readonly = false
        return container
    }

    /// Polls `condition` every 20 ms for up to `seconds`; whether it came true.
    func waitUntil(seconds: Double = 5, _ condition: () throws -> Bool) rethrows -> Bool {
        let rounds = Int(seconds * 50)
        for _ in 0..<rounds {
            if try condition() {
                return true
            }
            usleep(20_000)
        }
        return try condition()
    }

    /// The status `runcs state` reports for `id`, nil when it fails.
    func status(_ id: String) throws -> String? {
        let result = try runcs(["state", id])
        guard result.status == 0 else {
            return nil
        }
        let value = try JSONValue.parse(Array(result.output.utf8))
        return value["status"]?.string
    }
}
