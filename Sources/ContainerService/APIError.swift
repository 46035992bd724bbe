import Varlink

/// The errors of contaird's interfaces (docs/api), built with the parameters each one
/// declares. Domain code throws its own precise errors; the endpoints translate them
/// into these at the edge.
public enum APIError {
    static func error(_ interface: String, _ name: String, _ parameters: JSONObject)
        -> VarlinkError
    {
        VarlinkError("io.contaird.\(interface).\(name)", parameters: parameters)
    }

    public static func containerNotFound(_ id: String) -> VarlinkError {
        error("Containers", "ContainerNotFound",
              ["id": .string(id), "message": .string("no such container \"\(id)\"")])
    }

    public static func containerExists(_ id: String) -> VarlinkError {
        error("Containers", "ContainerExists",
              ["id": .string(id), "message": .string("container \"\(id)\" already exists")])
    }

    public static func invalidID(_ id: String) -> VarlinkError {
        error("Containers", "InvalidId", [
            "id": .string(id),
            "message": .string("invalid container id \"\(id)\": use letters, digits, "
                + "'_', '.' and '-', starting with a letter or digit, at most 128"),
        ])
    }

    public static func invalidSpec(field: String, _ message: String) -> VarlinkError {
        error("Containers", "InvalidSpec", ["field": .string(field), "message": .string(message)])
    }

    public static func containerRunning(_ id: String) -> VarlinkError {
        error("Containers", "ContainerRunning", [
            "id": .string(id),
            "message": .string("container \"\(id)\" is running: stop it first or force"),
        ])
    }

    public static func taskNotFound(_ id: String) -> VarlinkError {
        error("Tasks", "TaskNotFound",
              ["id": .string(id), "message": .string("container \"\(id)\" has no task")])
    }

    public static func taskExists(_ id: String) -> VarlinkError {
        error("Tasks", "TaskExists",
              ["id": .string(id), "message": .string("container \"\(id)\" already has a task")])
    }

    public static func execNotFound(_ id: String, _ execID: String) -> VarlinkError {
        error("Tasks", "ExecNotFound", [
            "id": .string(id), "execId": .string(execID),
            "message": .string("no exec process \"\(execID)\" in container \"\(id)\""),
        ])
    }

    public static func execExists(_ id: String, _ execID: String) -> VarlinkError {
        error("Tasks", "ExecExists", [
            "id": .string(id), "execId": .string(execID),
            "message": .string("exec process \"\(execID)\" exists in container \"\(id)\""),
        ])
    }

    public static func invalidState(_ id: String, status: String, _ message: String)
        -> VarlinkError
    {
        error("Tasks", "InvalidState",
              ["id": .string(id), "status": .string(status), "message": .string(message)])
    }

    public static func startFailed(_ id: String, exitStatus: Int, _ message: String)
        -> VarlinkError
    {
        error("Tasks", "StartFailed", [
            "id": .string(id), "exitStatus": .int(Int64(exitStatus)),
            "message": .string(message),
        ])
    }

    public static func unknownSignal(_ signal: String) -> VarlinkError {
        error("Tasks", "UnknownSignal",
              ["signal": .string(signal), "message": .string("unknown signal \"\(signal)\"")])
    }

    public static func imageNotFound(_ name: String, suggestions: [String]) -> VarlinkError {
        var message = "no such image \(name)"
        if !suggestions.isEmpty {
            message += "; did you mean " + suggestions.joined(separator: ", ") + "?"
        }
        return error("Images", "ImageNotFound", [
            "name": .string(name), "suggestions": .array(suggestions.map { .string($0) }),
            "message": .string(message),
        ])
    }

    public static func invalidReference(_ reference: String, _ message: String) -> VarlinkError {
        error("Images", "InvalidReference",
              ["reference": .string(reference), "message": .string(message)])
    }

    public static func registryError(_ registry: String, status: Int?, _ message: String)
        -> VarlinkError
    {
        var parameters: JSONObject = ["registry": .string(registry), "message": .string(message)]
        if let status { parameters["status"] = .int(Int64(status)) }
        return error("Images", "RegistryError", parameters)
    }

    public static func invalidContent(_ subject: String, _ message: String) -> VarlinkError {
        error("Images", "InvalidContent",
              ["subject": .string(subject), "message": .string(message)])
    }

    public static func platformNotFound(_ name: String, platform: String, _ message: String)
        -> VarlinkError
    {
        error("Images", "PlatformNotFound", [
            "name": .string(name), "platform": .string(platform), "message": .string(message),
        ])
    }

    public static func imageInUse(_ name: String, containers: [String]) -> VarlinkError {
        error("Images", "ImageInUse", [
            "name": .string(name), "containers": .array(containers.map { .string($0) }),
            "message": .string("image \(name) is used by " + containers.joined(separator: ", ")),
        ])
    }

    public static func internalError(_ message: String) -> VarlinkError {
        error("System", "InternalError", ["message": .string(message)])
    }
}
