import FoundationEssentials
import ImageSpec
import SystemKit

/// The shared multi-arch Alpine OCI layout, unpacked into a private directory, to
/// compare what a pull fetched against what was pushed.
struct SharedLayout {
    let directory: String
    let index: ImageIndex
    let indexDigest: Digest

    init() throws {
        try TestEnvironment.requireShared()
        directory = try TestEnvironment.temporaryDirectory("layout")
        try TestEnvironment.run(["tar", "-xf", TestEnvironment.ociArchive, "-C", directory],
                                in: directory)
        let top = try JSONDecoder().decode(
            ImageIndex.self, from: Data(try FileSystem.read(directory + "/index.json")))
        indexDigest = top.manifests[0].digest
        index = try JSONDecoder().decode(ImageIndex.self,
                                         from: Data(try Self.blob(indexDigest, in: directory)))
    }

    func blob(_ digest: Digest) throws -> [UInt8] {
        try Self.blob(digest, in: directory)
    }

    /// The image manifest for `architecture` in the layout's index.
    func manifest(architecture: String) throws -> (Descriptor, ImageManifest) {
        guard let entry = index.manifests.first(where: {
            $0.platform?.architecture == architecture
        }) else {
            throw TestFailure("no \(architecture) manifest in the shared layout")
        }
        let manifest = try JSONDecoder().decode(ImageManifest.self,
                                                from: Data(try blob(entry.digest)))
        return (entry, manifest)
    }

    func remove() {
        try? FileSystem.removeTree(directory)
    }

    private static func blob(_ digest: Digest, in directory: String) throws -> [UInt8] {
        try FileSystem.read("\(directory)/blobs/\(digest.algorithm)/\(digest.hex)")
    }
}
