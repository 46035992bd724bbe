import Distribution
import ImageSpec
import ImageStore
import Synchronization
import SystemKit
import Varlink

/// `io.contaird.Images.Pull`: the registry client writing into the image store.
struct ImagePullEndpoint {
    let daemon: Daemon

    struct PullParameters: Codable {
        var reference: String
        var platform: String?
        var allPlatforms: Bool?
        var plainHttp: Bool?
        var username: String?
        var password: String?
    }

    struct Progress: Codable {
        var digest: String
        var kind: String
        var offset: Int64
        var size: Int64
        var status: String
    }

    func register(in service: inout VarlinkService) {
        service.handle("Pull") { call, replier in
            try pull(try call.decodeParameters(PullParameters.self), replier)
        }
    }

    func pull(_ parameters: PullParameters, _ replier: VarlinkReplier) throws {
        let reference: ImageReference
        do {
            reference = try ImageReference(parsing: parameters.reference)
        } catch {
            throw APIError.invalidReference(parameters.reference, error.description)
        }
        var platform: Platform?
        if let text = parameters.platform {
            guard let parsed = Platform(parsing: text) else {
                throw VarlinkError.invalidParameter("platform")
            }
            platform = parsed
        }
        var options = RegistryOptions(plainHTTP: parameters.plainHttp ?? false,
                                      certsDirectory: RegistryOptions.defaultCertsDirectory)
        if let user = parameters.username {
            options.credentials = RegistryCredentials(user: user,
                                                      password: parameters.password ?? "")
        }
        let client = RegistryClient(options: options)
        let lease = try daemon.images.beginLease()
        defer { try? daemon.images.endLease(lease) }
        let store = StoreContentProvider(images: daemon.images, lease: lease)

        // Progress goes out from the download threads; replies must come one at a time.
        let streaming = replier.call.more
        let sendLock = Mutex(())
        let sendable = UncheckedReplier(replier)
        let report: PullProgressHandler = { step in
            guard let entry = try? JSONValueEncoder().encode(Self.progress(step)) else { return }
            sendLock.withLock { _ in
                try? sendable.replier.reply(["progress": .array([entry])], continues: true)
            }
        }
        let result: PullResult
        do {
            result = try client.pull(
                reference, platform: platform, allPlatforms: parameters.allPlatforms ?? false,
                store: store, parallelism: 3, progress: streaming ? report : nil)
        } catch let error as RegistryError {
            throw Self.translate(error, reference: reference)
        }
        let name = reference.description
        let record = try ImagesEndpoint(daemon: daemon).translate(name) {
            try daemon.images.createImage(name: name, target: result.root)
        }
        daemon.events.publish(DaemonEvent(kind: .image, action: "pull", subject: name,
                                          attributes: ["digest": result.root.digest.description]))
        let image = try ImagesEndpoint(daemon: daemon).summary(record)
        try sendLock.withLock { _ in
            try replier.reply(["image": try JSONValueEncoder().encode(image)])
        }
    }

    static func progress(_ step: PullProgress) -> Progress {
        let type = step.descriptor.mediaType
        let kind = MediaType.layerCompression(type) != nil ? "layer"
            : MediaType.isIndex(type) ? "index" : MediaType.isManifest(type) ? "manifest" : "config"
        let status = switch step.phase {
        case .waiting: "waiting"
        case .downloading: "downloading"
        case .exists, .done: "done"
        }
        return Progress(digest: step.descriptor.digest.description, kind: kind,
                        offset: step.completed, size: step.total, status: status)
    }

    static func translate(_ error: RegistryError, reference: ImageReference) -> VarlinkError {
        switch error {
        case .noMatchingPlatform(_, let platform, _):
            return APIError.platformNotFound(reference.description, platform: platform,
                                             error.description)
        case .status(let registry, _, let status, _, _):
            return APIError.registryError(registry, status: status, error.description)
        case .unauthorized(let registry, _, _):
            return APIError.registryError(registry, status: 401, error.description)
        case .manifestNotFound(let registry, _, _), .blobNotFound(let registry, _, _):
            return APIError.registryError(registry, status: 404, error.description)
        case .digestMismatch, .sizeMismatch, .invalidManifest:
            return APIError.invalidContent(reference.description, error.description)
        default:
            return APIError.registryError(reference.registryHost, status: nil, error.description)
        }
    }
}

/// The replier, carried into the pull's progress callback, which the download threads
/// call one at a time under `sendLock` while the handler's own thread waits in `pull`.
struct UncheckedReplier: @unchecked Sendable {
    let replier: VarlinkReplier

    init(_ replier: VarlinkReplier) {
        self.replier = replier
    }
}
