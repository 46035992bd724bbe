import Glibc
import SystemKit
import Testing

/// A loopback HTTP proxy in front of a registry that passes requests through and sends
/// large blob bodies slowly (16 KiB every 50 ms), so that a test can interrupt a pull
/// in the middle of a layer. A Python script the test writes into its directory.
struct SlowProxy {
    let directory: String
    let port: Int
    let pid: pid_t

    static let script = #"""
        import http.server, os, sys, time, urllib.request, urllib.error

        upstream = "http://127.0.0.1:" + sys.argv[1]

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def forward(self, body):
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                request = urllib.request.Request(upstream + self.path, headers=headers,
                                                 method=self.command)
                try:
                    reply = urllib.request.urlopen(request)
                except urllib.error.HTTPError as error:
                    reply = error
                data = reply.read() if body else b""
                self.send_response(reply.status if hasattr(reply, "status") else reply.code)
                for key, value in reply.headers.items():
                    if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(key, value)
                length = reply.headers.get("Content-Length") or str(len(data))
                self.send_header("Content-Length", length if not body else str(len(data)))
                self.end_headers()
                slow = "/blobs/" in self.path and len(data) > 100000
                for start in range(0, len(data), 16384):
                    self.wfile.write(data[start:start + 16384])
                    self.wfile.flush()
                    if slow:
                        time.sleep(0.05)

            def do_GET(self):
                self.forward(True)

            def do_HEAD(self):
                self.forward(False)

            def log_message(self, *arguments):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        with open(sys.argv[2] + ".partial", "w") as port:
            port.write(str(server.server_address[1]))
        os.rename(sys.argv[2] + ".partial", sys.argv[2])
        server.serve_forever()
        """#

    /// Starts the proxy in front of the registry listening on `upstreamPort`.
    static func start(upstreamPort: Int) throws -> SlowProxy {
        let directory = try TestProcess.temporaryDirectory("cdt-proxy")
        try FileSystem.writeAtomically(directory + "/proxy.py", text: script)
        let portFile = directory + "/port"
        let pid = try TestProcess.spawn(
            ["python3", directory + "/proxy.py", String(upstreamPort), portFile],
            outputPath: directory + "/proxy.log")
        // The script renames the port file into place whole; reading it until it parses
        // also covers a slow first write.
        var port = 0
        let ready = TestProcess.eventually(within: 10) {
            port = Int((try? FileSystem.readText(portFile)) ?? "") ?? 0
            return port > 0
        }
        guard ready else {
            kill(pid, SIGKILL)
            TestProcess.wait(pid, timeout: 5)
            let log = (try? FileSystem.readText(directory + "/proxy.log")) ?? ""
            try? FileSystem.removeTree(directory)
            Issue.record("the throttling proxy did not start: \(log)")
            throw SystemError(call: "python3", path: directory, errno: EIO)
        }
        return SlowProxy(directory: directory, port: port, pid: pid)
    }

    func stop() {
        kill(pid, SIGKILL)
        TestProcess.wait(pid, timeout: 5)
        try? FileSystem.removeTree(directory)
    }
}
