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

    /// An OCI layout whose one layer says it is gzip and is not.
    static let lyingLayerScript = """
        import hashlib, io, json, os, sys, tarfile
        blobs = {}
        def add(data):
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            blobs[digest] = data
            return {"digest": digest, "size": len(data)}
        layer = os.urandom(4096)
        config = add(json.dumps({"architecture": "amd64", "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]},
            "config": {"Cmd": ["/bin/sh"]}}).encode())
        config["mediaType"] = "application/vnd.oci.image.config.v1+json"
        layer = add(layer)
        layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
        manifest = add(json.dumps({"schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config, "layers": [layer]}).encode())
        manifest["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
        manifest["annotations"] = {"io.containerd.image.name": sys.argv[2]}
        with tarfile.open(sys.argv[1], "w") as out:
            def put(path, data):
                info = tarfile.TarInfo(path)
                info.size = len(data)
                out.addfile(info, io.BytesIO(data))
            put("oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
            put("index.json", json.dumps({"schemaVersion": 2,
                                          "manifests": [manifest]}).encode())
            for digest, data in blobs.items():
                put("blobs/sha256/" + digest.split(":")[1], data)
        """

    @Test func aLayerThatIsNotWhatItSaysIsAnError() async throws {
        let client = client
        try await blocking {
            let directory = try TestProcess.temporaryDirectory("cdt-lying")
            defer { try? FileSystem.removeTree(directory) }
            try FileSystem.writeAtomically(directory + "/make.py", text: Self.lyingLayerScript)
            let name = "docker.io/library/lying:\(UInt32.random(in: 0...UInt32.max))"
            let made = try TestProcess.run(["python3", directory + "/make.py",
                                            directory + "/lying.tar", name])
            try #require(made.status == 0, "\(made.output)")
            do {
                let names = try client.importArchive(path: directory + "/lying.tar")
                // An import that keeps the blobs unpacked may accept it: then creating a
                // container must fail with a clear error instead.
                #expect(names == [name])
                let error = try client.callError("io.contaird.Containers.Create", [
                    "id": .string(uniqueID("lying")),
                    "spec": ["image": .string(name), "args": .strings(["true"])],
                ])
                #expect(error != nil)
                _ = try? client.call("io.contaird.Images.Remove", ["name": .string(name)])
            } catch let error as VarlinkError {
                #expect(error.name == "io.contaird.Images.InvalidContent", "\(error)")
            }
            #expect(try client.call("io.contaird.System.Version")["version"] != nil,
                    "the daemon survives a lying layer")
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
