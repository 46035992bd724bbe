import ContairdAPI
import Glibc
import SystemKit
import Testing
@testable import Varlink

/// Our varlink layer against the reference: the certification client and the client
/// library of the PyPI `varlink` package, and the reference certification interface.
@Suite struct CertificationTests {
    /// The varlink-certification-server executable, started on a private socket and
    /// stopped with SIGTERM.
    final class CertificationServer {
        let directory: String
        let path: String
        let pid: pid_t

        init() throws {
            let binary = TestSupport.productsDirectory() + "/varlink-certification-server"
            guard FileSystem.exists(binary) else {
                throw SystemError(call: "stat (build it with swift build --build-tests)",
                                  path: binary, errno: ENOENT)
            }
            directory = try TestSupport.temporaryDirectory()
            path = directory + "/certification.sock"
            pid = try TestSupport.spawn([binary, "--varlink=unix:\(path)"])
            guard TestSupport.waitForSocket(path) else {
                kill(pid, SIGKILL)
                _ = TestSupport.wait(pid, timeout: .seconds(5))
                throw SystemError(call: "wait for socket", path: path, errno: ETIMEDOUT)
            }
        }

        /// Stops the server; returns its exit status.
        @discardableResult
        func stop() -> Int32 {
            kill(pid, SIGTERM)
            let status = TestSupport.wait(pid, timeout: .seconds(10))
            try? FileSystem.removeTree(directory)
            return status
        }
    }

    @Test func referenceClientCertifiesOurServer() throws {
        guard TestSupport.pythonWithVarlink() else { return }
        let server = try CertificationServer()
        var stopped = false
        defer { if !stopped { server.stop() } }

        let run = try TestSupport.run([
            "python3", "-m", "varlink.tests.test_certification", "--client",
            "--varlink=unix:\(server.path)",
        ])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("Certification passed"), "\(run.output)")
        #expect(run.output.contains("End: {'all_ok': True}"))

        stopped = true
        #expect(server.stop() == 0)
        #expect(!FileSystem.exists(server.path))
    }

    /// Prints, for each interface of the service at argv[1], its name and its members
    /// as the reference client parsed them from GetInterfaceDescription.
    static let describeScript = """
        import sys, varlink
        with varlink.Client(sys.argv[1]) as client:
            names = client.get_interfaces()
            print("service", client.info["vendor"], client.info["product"])
            for name in names:
                interface = client.get_interface(name)
                print(name, " ".join(sorted(interface.members)))
        """

    @Test func referenceClientReadsGetInfoAndDescriptions() throws {
        guard TestSupport.pythonWithVarlink() else { return }
        let server = try CertificationServer()
        defer { server.stop() }

        let run = try TestSupport.run(["python3", "-c", Self.describeScript,
                                       "unix:\(server.path)"])
        #expect(run.status == 0, "\(run.output)")
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "service contaird varlink-certification-server")
        #expect(lines.contains("""
            org.varlink.certification CertificationError ClientIdError End Interface MyType \
            Start Test01 Test02 Test03 Test04 Test05 Test06 Test07 Test08 Test09 Test10 \
            Test11
            """), "\(run.output)")
        #expect(lines.contains { $0.hasPrefix("org.varlink.service ") && $0.contains("GetInfo") })
    }

    @Test func referenceClientParsesContairdInterfaces() throws {
        guard TestSupport.pythonWithVarlink() else { return }
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let path = directory + "/contaird.sock"
        let server = VarlinkServer(identity: VarlinkServer.Identity(
            vendor: "contaird", product: "contaird", version: "0", url: "https://example.org"))
        for (_, text) in ContairdInterfaces.all {
            server.register(try VarlinkService(description: text))
        }
        try server.listen(at: path)
        defer { server.stop() }

        let run = try TestSupport.run(["python3", "-c", Self.describeScript, "unix:\(path)"])
        #expect(run.status == 0, "\(run.output)")
        for (name, text) in ContairdInterfaces.all {
            let interface = try VarlinkInterface(parsing: text)
            let members = interface.memberNames.sorted().joined(separator: " ")
            #expect(run.output.contains("\(name) \(members)\n"), "\(name): \(run.output)")
        }
    }

    @Test func servedCertificationInterfaceEqualsTheReferenceDefinition() throws {
        guard TestSupport.pythonWithVarlink() else { return }
        let locate = try TestSupport.run([
            "python3", "-c",
            "import os, varlink.tests; print(os.path.dirname(varlink.tests.__file__))",
        ])
        let testsDirectory = try #require(locate.output.split(separator: "\n").first)
        let reference = try VarlinkInterface(parsing: try FileSystem.readText(
            "\(testsDirectory)/org.varlink.certification.varlink"))

        let server = try CertificationServer()
        defer { server.stop() }
        let client = try VarlinkClient(socketPath: server.path)
        defer { client.close() }
        let served = try VarlinkInterface(parsing: try #require(try client.call(
            "org.varlink.service.GetInterfaceDescription",
            ["interface": "org.varlink.certification"])["description"]?.stringValue))

        #expect(served.name == reference.name)
        #expect(served.memberNames == reference.memberNames)
        #expect(served.types.mapValues(\.type) == reference.types.mapValues(\.type))
        #expect(served.methods.mapValues { [$0.input, $0.output] }
            == reference.methods.mapValues { [$0.input, $0.output] })
        #expect(served.errors.mapValues(\.parameters) == reference.errors.mapValues(\.parameters))
    }

    @Test func ourClientCompletesACertificationRunAndSeesItsErrors() throws {
        let server = try CertificationServer()
        defer { server.stop() }
        let client = try VarlinkClient(socketPath: server.path)
        defer { client.close() }
        let prefix = "org.varlink.certification."

        let clientID = try #require(try client.call(prefix + "Start")["client_id"])
        var reply = try client.call(prefix + "Test01", ["client_id": clientID])
        reply = try client.call(prefix + "Test02", ["client_id": clientID, "bool": reply["bool"]!])
        reply = try client.call(prefix + "Test03", ["client_id": clientID, "int": reply["int"]!])
        reply = try client.call(prefix + "Test04",
                                ["client_id": clientID, "float": reply["float"]!])
        reply = try client.call(prefix + "Test05",
                                ["client_id": clientID, "string": reply["string"]!])
        var parameters = reply
        parameters["client_id"] = clientID
        reply = try client.call(prefix + "Test06", parameters)
        reply = try client.call(prefix + "Test07",
                                ["client_id": clientID, "struct": reply["struct"]!])
        reply = try client.call(prefix + "Test08", ["client_id": clientID, "map": reply["map"]!])
        reply = try client.call(prefix + "Test09", ["client_id": clientID, "set": reply["set"]!])
        var stream = try client.callMore(prefix + "Test10",
                                         ["client_id": clientID, "mytype": reply["mytype"]!])
        var strings: [JSONValue] = []
        while let next = try stream.next() {
            strings.append(next["string"]!)
        }
        #expect(strings.count == 10)
        try client.callOneway(prefix + "Test11",
                              ["client_id": clientID, "last_more_replies": .array(strings)])
        #expect(try client.call(prefix + "End", ["client_id": clientID])["all_ok"] == true)

        // Out of order: a CertificationError saying what was expected, then the run is
        // gone.
        let second = try #require(try client.call(prefix + "Start")["client_id"])
        do {
            try client.call(prefix + "Test02", ["client_id": second, "bool": true])
            Issue.record("Test02 before Test01 succeeded")
        } catch let error as VarlinkError {
            #expect(error.name == prefix + "CertificationError")
            #expect(error.parameters["wants"]?["method"] == .string(prefix + "Test01"))
        }
        #expect(throws: VarlinkError(prefix + "ClientIdError")) {
            try client.call(prefix + "Test01", ["client_id": second])
        }
    }
}
