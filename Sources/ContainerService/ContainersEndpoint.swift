import ContairdAPI
import SystemKit
import Varlink

/// `io.contaird.Containers`: the stored containers.
struct ContainersEndpoint {
    let daemon: Daemon

    /// A container as the interface shows it: the record plus its task's status.
    struct Container: Codable {
        var id: String
        var spec: ContainerSpec
        var imageName: String
        var imageDigest: String
        var labels: [String: String]
        var createdAt: String
        var updatedAt: String
        var status: String
    }

    struct CreateParameters: Codable {
        var id: String
        var spec: ContainerSpec
        var labels: [String: String]?
    }

    struct ListParameters: Codable {
        var labels: [String: String]?
    }

    struct IDParameters: Codable {
        var id: String
    }

    struct UpdateParameters: Codable {
        var id: String
        var labels: [String: String]
    }

    struct DeleteParameters: Codable {
        var id: String
        var force: Bool?
    }

    func service() throws -> VarlinkService {
        var service = try VarlinkService(description: ContairdInterfaces.containers)
        service.handle("Create") { (parameters: CreateParameters, _) in
            let record = try daemon.withContainerLock(parameters.id) {
                try daemon.createContainer(id: parameters.id, spec: parameters.spec,
                                           labels: parameters.labels ?? [:])
            }
            return ["container": container(record)]
        }
        service.handle("List") { (parameters: ListParameters, _) in
            let wanted = parameters.labels ?? [:]
            let records = try daemon.containers.list().filter { record in
                wanted.allSatisfy { record.labels[$0.key] == $0.value }
            }
            return ["containers": records.map(container)]
        }
        service.handle("Get") { (parameters: IDParameters, _) in
            ["container": container(try record(parameters.id))]
        }
        service.handle("Update") { (parameters: UpdateParameters, _) in
            let updated = try daemon.withContainerLock(parameters.id) {
                var record = try record(parameters.id)
                for (key, value) in parameters.labels {
                    record.labels[key] = value.isEmpty ? nil : value
                }
                record.updatedAt = Logger.timestamp()
                try daemon.containers.update(record)
                return record
            }
            daemon.events.publish(DaemonEvent(kind: .container, action: "update",
                                              subject: updated.id))
            return ["container": container(updated)]
        }
        service.handle("Delete") { (parameters: DeleteParameters, _) -> VarlinkEmpty in
            try daemon.withContainerLock(parameters.id) {
                let record = try record(parameters.id)
                if daemon.tasks.exists(record.id) {
                    let status = try daemon.tasks.info(record.id).status
                    if status != .stopped && parameters.force != true {
                        throw APIError.containerRunning(record.id)
                    }
                    _ = try daemon.tasks.delete(record.id, force: true)
                }
                try daemon.removeContainer(record)
            }
            return VarlinkEmpty()
        }
        return service
    }

    func record(_ id: String) throws -> ContainerRecord {
        do {
            return try daemon.containers.get(id)
        } catch .notFound {
            throw APIError.containerNotFound(id)
        }
    }

    func container(_ record: ContainerRecord) -> Container {
        let status = daemon.tasks.exists(record.id)
            ? ((try? daemon.tasks.info(record.id).status.rawValue) ?? "stopped") : "none"
        return Container(id: record.id, spec: record.spec, imageName: record.imageName,
                         imageDigest: record.imageDigest, labels: record.labels,
                         createdAt: record.createdAt, updatedAt: record.updatedAt,
                         status: status)
    }
}
