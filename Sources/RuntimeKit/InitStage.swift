import SystemKit

/// The steps of starting a container's init or an exec'd process that `--debug` logs.
/// Their messages are worded as runc's debug lines are, because tools and test suites
/// written against runc look for them in its debug output; the fields say what runcs did.
enum InitStage {
    /// The process was cloned into the container's namespaces and got its plan.
    case namespacesEntered
    /// The process runs runcs's init and the parent has put it into its cgroup.
    case initRunning
    /// A container's init finished its setup and is waiting for `start`.
    case initReady
    /// An exec'd process finished its setup and is about to execute the command.
    case execReady

    var message: String {
        switch self {
        case .namespacesEntered: "nsexec container setup"
        case .initRunning: "child process in init()"
        case .initReady: "init: closing the pipe to signal completion"
        case .execReady: "setns_init: about to exec"
        }
    }

    var step: String {
        switch self {
        case .namespacesEntered: "cloned into the container's namespaces"
        case .initRunning: "init running in the container's cgroup"
        case .initReady: "init set up, waiting for start"
        case .execReady: "process set up, executing the command"
        }
    }
}

extension Logger {
    func debug(_ stage: InitStage, id: String, pid: Int32) {
        debug(stage.message, ["id": id, "pid": pid, "step": stage.step])
    }
}
