import SystemKit
import Testing
import Varlink

/// The daemon driven by a client nobody here wrote: the PyPI `varlink` package
/// (scripts/install-deps.sh installs it).
@Suite(.privateDaemon) struct PythonClientTests {
    static let script = """
        import json, sys, varlink
        socket, image, cid = sys.argv[1], sys.argv[2], sys.argv[3]
        interfaces = ["io.contaird.System", "io.contaird.Images",
                      "io.contaird.Containers", "io.contaird.Tasks"]
        with varlink.Client(address="unix:" + socket) as client:
            with client.open("org.varlink.service", namespaced=True) as service:
                info = service.GetInfo()
                print("interfaces", " ".join(sorted(info.interfaces)))
                for name in interfaces:
                    description = service.GetInterfaceDescription(name).description
                    print("description", name, description.count("method "))
            with client.open("io.contaird.Containers", namespaced=True) as containers:
                created = containers.Create(cid, {"image": image,
                    "args": ["sh", "-c", "echo hi from $(hostname); exit 6"]})
                print("created", created.container.id, created.container.status)
            with client.open("io.contaird.Tasks", namespaced=True) as tasks:
                print("started", tasks.Start(cid).pid > 0)
                print("waited", tasks.Wait(cid).exitStatus)
                entries = tasks.Logs(cid).entries
                print("logs", "".join(__import__("base64").b64decode(e.data).decode()
                                      for e in entries).strip())
            with client.open("io.contaird.Containers", namespaced=True) as containers:
                containers.Delete(cid)
                try:
                    containers.Get(cid)
                    print("still there")
                except varlink.VarlinkError as error:
                    print("gone", error.error())
        """

    @Test func pypiVarlinkClientDrivesAContainersLife() async throws {
        let daemon = TestDaemon.current!
        let probe = try TestProcess.run(["python3", "-c", "import varlink"], timeout: 30)
        try #require(probe.status == 0, """
            python3 cannot import the PyPI package varlink (scripts/install-deps.sh \
            installs it): \(probe.output)
            """)
        let directory = try TestProcess.temporaryDirectory("cdt-python")
        defer { try? FileSystem.removeTree(directory) }
        try FileSystem.writeAtomically(directory + "/client.py", text: Self.script)
        let id = uniqueID("python")
        let result = try await blocking {
            try TestProcess.run(["python3", directory + "/client.py", daemon.socketPath,
                                 daemon.image, id], timeout: 60)
        }
        #expect(result.status == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "interfaces io.contaird.Containers io.contaird.Images "
            + "io.contaird.System io.contaird.Tasks org.varlink.service", "\(result.output)")
        #expect(lines.contains("description io.contaird.Containers 5"))
        #expect(lines.contains("description io.contaird.System 4"))
        #expect(lines.contains("description io.contaird.Tasks 15"))
        #expect(lines.contains("description io.contaird.Images 9"))
        #expect(lines.contains("created \(id) none"))
        #expect(lines.contains("started True"))
        #expect(lines.contains("waited 6"))
        #expect(lines.contains("logs hi from \(id)"))
        #expect(lines.last == "gone io.contaird.Containers.ContainerNotFound", "\(result.output)")
    }
}
