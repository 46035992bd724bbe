import Glibc
import SystemKit
import Testing
import Varlink

/// io.contaird.Images over the socket, beyond pulls: list, inspect, tag, export,
/// mount, and imports that fail.
@Suite(.privateDaemon) struct ImagesTests {
    var daemon: TestDaemon { TestDaemon.current! }
    var client: DaemonClient { daemon.client }

    @Test func listInspectTagAndRemove() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let listed = try client.call("io.contaird.Images.List")["images"]?.arrayValue ?? []
            #expect(listed.contains { $0["name"]?.stringValue == image })
            let inspected = try client.call("io.contaird.Images.Inspect",
                                            ["name": .string(image)])
            #expect(inspected.value(at: "config", "architecture")?.stringValue == "amd64")
            #expect(inspected["manifest"]?["layers"]?.arrayValue?.isEmpty == false)

            let tag = "docker.io/library/tagged:\(UInt32.random(in: 0...UInt32.max))"
            let tagged = try client.call("io.contaird.Images.Tag",
                                         ["source": .string(image), "target": .string(tag)])
            #expect(tagged.value(at: "image", "name")?.stringValue == tag)
            #expect(tagged.value(at: "image", "digest")
                == listed.first { $0["name"]?.stringValue == image }?["digest"])
            try client.call("io.contaird.Images.Remove", ["name": .string(tag)])
            let gone = try client.callError("io.contaird.Images.Inspect", ["name": .string(tag)])
            #expect(gone?.name == "io.contaird.Images.ImageNotFound")

            let typo = try client.callError("io.contaird.Images.Inspect",
                                            ["name": "alpne:3.20.3"])
            #expect(typo?.name == "io.contaird.Images.ImageNotFound")
        }
    }

    @Test func exportGivesAnArchiveThatImportsAgain() async throws {
        let client = client
        let image = daemon.image
        try await blocking {
            let directory = try TestProcess.temporaryDirectory("cdt-export")
            defer { try? FileSystem.removeTree(directory) }
            let (_, stream) = try client.upgrade("io.contaird.Images.Export",
                                                 ["names": .strings([image])])
            let bytes = try stream.readToEnd()
            #expect(bytes.count > 1_000_000)
            try FileSystem.writeAtomically(directory + "/export.tar", bytes)
            let listing = try TestProcess.run(["tar", "-tf", directory + "/export.tar"])
            #expect(listing.output.contains("index.json"))
            #expect(listing.output.contains("oci-layout"))
            #expect(try client.importArchive(path: directory + "/export.tar").contains(image))
        }
    }

    @Test func aBrokenImportIsAnErrorAndListsNothing() async throws {
        let client = client
        try await blocking {
            let directory = try TestProcess.temporaryDirectory("cdt-broken")
            defer { try? FileSystem.removeTree(directory) }
            try FileSystem.writeAtomically(directory + "/garbage.tar",
                                           text: String(repeating: "not a tar ", count: 500))
            // Other tests tag images meanwhile: compare the names this one could add.
            func names() throws -> Set<String> {
                let images = try client.call("io.contaird.Images.List")["images"]?.arrayValue
                return Set((images ?? []).compactMap { $0["name"]?.stringValue }
                    .filter { !$0.contains("/tagged:") })
            }
            let before = try names()
            #expect(throws: VarlinkError.self) {
                try client.importArchive(path: directory + "/garbage.tar")
            }
            do {
                _ = try client.importArchive(path: directory + "/garbage.tar")
            } catch let error as VarlinkError {
                #expect(error.name == "io.contaird.Images.InvalidContent", "\(error)")
            }
            #expect(try names() == before)
            #expect(try client.call("io.contaird.System.Version")["version"] != nil,
                    "the daemon survives a broken archive")
        }
    }

    @Test func mountShowsTheImageFiles() async throws {
        let client = client
        let image = daemon.image
        let daemon = daemon
        try await blocking {
            let target = daemon.base + "/view-\(UInt32.random(in: 0...UInt32.max))"
            try FileSystem.createDirectory(target)
            try client.call("io.contaird.Images.Mount",
                            ["name": .string(image), "target": .string(target)])
            #expect(FileSystem.exists(target + "/bin/sh"))
            if TestImage.shared.isAlpine {
                #expect(try FileSystem.readText(target + "/etc/alpine-release") == "3.20.3\n")
            }
            try client.call("io.contaird.Images.Unmount", ["target": .string(target)])
            #expect(!FileSystem.exists(target + "/bin/sh"))
        }
    }
}
