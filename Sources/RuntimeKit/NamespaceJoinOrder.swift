/// The order in which a process joins existing namespaces (setns), for `create` and for
/// any verb that enters a running container's namespaces.
///
/// Every other namespace comes first, entered while the process still holds its own
/// privileges: from inside a user namespace it could not enter one the host owns (a
/// network namespace joined by path beside a new user namespace). The user namespace
/// comes last. A join refused with EPERM before it is retried by the C child right after
/// it (`cruntime_spawn_request.join_fds`): an unprivileged caller may enter the
/// namespaces its user namespace owns only from inside that one. Root enters them all
/// in the first pass, so for root the order is the same as "user namespace first".
/// The mount namespace goes just before the user namespace, as joining it moves the
/// joining process's root and working directory.
enum NamespaceJoinOrder {
    /// CLONE_NEW* types, in join order.
    static let types: [Int32] = [
        CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWCGROUP, CLONE_NEWNS,
        CLONE_NEWUSER,
    ]

    /// `joins` (open namespace files and their CLONE_NEW* types) in join order; types
    /// not in `types` go first, in their given order.
    static func ordered(_ joins: [(fd: Int32, type: Int32)]) -> [(fd: Int32, type: Int32)] {
        func rank(_ type: Int32) -> Int {
            (types.firstIndex(of: type) ?? -1) + 1
        }
        return joins.enumerated().sorted { left, right in
            let (leftRank, rightRank) = (rank(left.element.type), rank(right.element.type))
            return leftRank == rightRank ? left.offset < right.offset : leftRank < rightRank
        }.map(\.element)
    }
}
