#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ContairdAPI
import ImageSpec
import ImageStore
import SystemKit
import Varlink

/// `io.contaird.Images`: the image store over the socket.
struct ImagesEndpoint {
    let daemon: Daemon
    var images: ImageService { daemon.images }

    struct PlatformInfo: Codable {
        var os: String
        var architecture: String
        var variant: String?
    }

    struct Image: Codable {
        var name: String
        var digest: String
        var mediaType: String
        var size: Int64
        var platforms: [PlatformInfo]
        var createdAt: String
        var updatedAt: String
        var labels: [String: String]
    }

    struct NameParameters: Codable { var name: String }
    struct InspectParameters: Codable { var name: String; var platform: String? }
    struct ImportParameters: Codable { var allPlatforms: Bool?; var indexName: String? }
    struct ExportParameters: Codable { var names: [String]; var allPlatforms: Bool? }
    struct TagParameters: Codable { var source: String; var target: String }
    struct MountParameters: Codable { var name: String; var target: String; var platform: String? }
    struct UnmountParameters: Codable { var target: String }

    func service() throws -> VarlinkService {
        var service = try VarlinkService(description: ContairdInterfaces.images)
        service.handle("List") { (_: VarlinkEmpty, _) in
            ["images": try translate("") { try images.list().map(summary) }]
        }
        service.handle("Inspect") { (parameters: InspectParameters, _) -> JSONObject in
            try translate(parameters.name) {
                let record = try daemon.findImage(parameters.name)
                let inspection = try images.inspect(record.name)
                let encoder = JSONValueEncoder()
                var reply: JSONObject = [
                    "image": try encoder.encode(summary(record)),
                    "manifest": try encoder.encode(inspection.manifest),
                    "config": try encoder.encode(inspection.configuration),
                ]
                if let index = inspection.index {
                    reply["index"] = try encoder.encode(index)
                }
                return reply
            }
        }
        service.handle("Import") { call, replier in
            let parameters = try call.decodeParameters(ImportParameters.self)
            guard call.upgrade else { throw VarlinkError.invalidParameter("upgrade") }
            try importArchive(parameters, replier)
        }
        service.handle("Export") { call, replier in
            let parameters = try call.decodeParameters(ExportParameters.self)
            guard call.upgrade else { throw VarlinkError.invalidParameter("upgrade") }
            try exportArchive(parameters, replier)
        }
        service.handle("Tag") { (parameters: TagParameters, _) in
            let record = try translate(parameters.source) {
                _ = try daemon.findImage(parameters.source)
                return try images.tag(parameters.source, parameters.target)
            }
            daemon.events.publish(DaemonEvent(kind: .image, action: "tag", subject: record.name))
            return ["image": try translate(record.name) { try summary(record) }]
        }
        service.handle("Remove") { (parameters: NameParameters, _) -> VarlinkEmpty in
            let record = try translate(parameters.name) { try daemon.findImage(parameters.name) }
            let users = try daemon.containers.list().filter { $0.imageName == record.name }
            if !users.isEmpty {
                throw APIError.imageInUse(record.name, containers: users.map(\.id))
            }
            _ = try translate(record.name) { try images.remove([record.name]) }
            daemon.events.publish(DaemonEvent(kind: .image, action: "delete", subject: record.name))
            return VarlinkEmpty()
        }
        service.handle("Mount") { (parameters: MountParameters, _) -> VarlinkEmpty in
            try translate(parameters.name) {
                let record = try daemon.findImage(parameters.name)
                try images.mountImage(record.name, at: parameters.target)
            }
            return VarlinkEmpty()
        }
        service.handle("Unmount") { (parameters: UnmountParameters, _) -> VarlinkEmpty in
            try translate(parameters.target) { try images.unmount(parameters.target) }
            return VarlinkEmpty()
        }
        ImagePullEndpoint(daemon: daemon).register(in: &service)
        return service
    }

    /// Receives the archive into a private file under the root, then imports it; the
    /// final message goes in varlink's form over the upgraded connection.
    func importArchive(_ parameters: ImportParameters, _ replier: VarlinkReplier) throws {
        let connection = try replier.upgrade()
        let path = Self.privateFile(in: daemon.configuration.root, named: "import")
        defer { unlink(path) }
        var reply: JSONObject
        do {
            let file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
            defer { file.close() }
            while true {
                let chunk = try connection.read(upTo: 256 * 1024)
                if chunk.isEmpty { break }
                try file.writeAll(chunk)
            }
            let records = try images.importArchive(path: path,
                                                   allPlatforms: parameters.allPlatforms ?? false,
                                                   indexName: parameters.indexName)
            for record in records {
                daemon.events.publish(DaemonEvent(kind: .image, action: "import",
                                                  subject: record.name))
            }
            reply = ["parameters": .object(["images": try JSONValueEncoder().encode(
                try records.map(summary))])]
        } catch {
            let failure = translateError(error, subject: "archive")
            reply = ["error": .string(failure.name), "parameters": .object(failure.parameters)]
        }
        try? connection.write(JSONValue.object(reply).serialized() + [0])
        try? connection.shutdownWrite()
    }

    /// Writes the archive to a private file, then streams it to the caller.
    func exportArchive(_ parameters: ExportParameters, _ replier: VarlinkReplier) throws {
        let names = try parameters.names.map { name in
            try translate(name) { try daemon.findImage(name).name }
        }
        let path = Self.privateFile(in: daemon.configuration.root, named: "export")
        defer { unlink(path) }
        try translate(names.joined(separator: " ")) {
            try images.export(to: path, references: names)
        }
        let connection = try replier.upgrade()
        let file = try FileDescriptor.open(path, O_RDONLY)
        defer { file.close() }
        while true {
            let chunk = try file.read(upTo: 256 * 1024)
            if chunk.isEmpty { break }
            try connection.write(chunk)
        }
        try? connection.shutdownWrite()
    }

    /// A path for a temporary archive under the daemon's root (the same filesystem as
    /// the content store), unique to this call.
    static func privateFile(in root: String, named name: String) -> String {
        root + "/\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tar"
    }

    /// The interface's view of an image record.
    func summary(_ record: ImageRecord) throws -> Image {
        var size = record.target.size
        var platforms: [PlatformInfo] = []
        let content = images.content
        if MediaType.isIndex(record.target.mediaType),
            let bytes = try? content.read(record.target.digest),
            let index = try? JSONValueDecoder().decode(ImageIndex.self, fromText: bytes)
        {
            for manifest in index.manifests where content.exists(manifest.digest) {
                size += manifest.size + layersSize(of: manifest.digest)
                if let platform = manifest.platform {
                    platforms.append(PlatformInfo(os: platform.os,
                                                  architecture: platform.architecture,
                                                  variant: platform.variant))
                }
            }
        } else {
            size += layersSize(of: record.target.digest)
            if let inspection = try? images.inspect(record.name) {
                let platform = inspection.configuration.platform
                platforms.append(PlatformInfo(os: platform.os, architecture: platform.architecture,
                                              variant: platform.variant))
            }
        }
        return Image(name: record.name, digest: record.target.digest.description,
                     mediaType: record.target.mediaType, size: size, platforms: platforms,
                     createdAt: record.created, updatedAt: record.updated, labels: record.labels)
    }

    /// The config and layers of the manifest `digest` that are in the store.
    func layersSize(of digest: Digest) -> Int64 {
        guard let bytes = try? images.content.read(digest),
            let manifest = try? JSONValueDecoder().decode(ImageManifest.self, fromText: bytes)
        else { return 0 }
        return ([manifest.config] + manifest.layers)
            .filter { images.content.exists($0.digest) }
            .reduce(0) { $0 + $1.size }
    }

    func translate<T>(_ subject: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw translateError(error, subject: subject)
        }
    }

    /// The interface's error for an image store failure.
    func translateError(_ error: any Error, subject: String) -> VarlinkError {
        if let varlink = error as? VarlinkError { return varlink }
        guard let failure = error as? ImageStoreError else {
            return APIError.internalError("\(error)")
        }
        switch failure {
        case .imageNotFound(let name):
            return APIError.imageNotFound(name, suggestions: [])
        case .invalidReference(let reference, let parseError):
            return APIError.invalidReference(reference, parseError.description)
        case .noMatchingPlatform(let image, let platform):
            return APIError.platformNotFound(image, platform: platform.description,
                                             failure.description)
        case .digestMismatch, .sizeMismatch, .blobNotFound, .archive, .invalidArchive,
            .invalidDocument, .unsafeEntry, .layerEntry:
            return APIError.invalidContent(subject, failure.description)
        default:
            return APIError.internalError(failure.description)
        }
    }
}
