/// A verb given many targets (`rm a b c`): acts on each, prints the ones that worked,
/// and fails at the end naming every one that did not.
enum EachTarget {
    static func run(_ targets: [String], verb: String,
                    _ body: (String) throws(CtrsFailure) -> Void) throws(CtrsFailure) -> Int32
    {
        var failures: [String] = []
        for target in targets {
            do {
                try body(target)
                StandardStreams.printLine(target)
            } catch {
                failures.append(error.message)
            }
        }
        guard failures.isEmpty else {
            if failures.count == 1 {
                throw CtrsFailure(failures[0])
            }
            throw CtrsFailure("cannot \(verb) \(failures.count) of \(targets.count): "
                + failures.joined(separator: "; "))
        }
        return 0
    }
}
