#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import ImageSpec
import SystemKit

/// A small registry in Python, started by a test, that serves manifests and blobs from
/// a directory and misbehaves on request: Bearer tokens from its own `/token` endpoint,
/// a connection dropped mid-blob, `Range` ignored, 503s or 429s before succeeding.
/// Every request is logged, one line each, so tests can count them.
final class FakeRegistry {
    struct Behaviour: Encodable {
        /// Demand Bearer tokens; the token endpoint wants these Basic credentials if set.
        var bearer = false
        var tokenUser: String?
        var tokenPassword: String?
        /// Send `dropAfter` bytes of blob `dropDigest` on its first GET, then hang up.
        var dropDigest: String?
        var dropAfter = 0
        /// Send `stallAfter` bytes of blob `stallDigest` on its first GET, then go quiet
        /// for `stallSeconds` before hanging up.
        var stallDigest: String?
        var stallAfter = 0
        var stallSeconds = 0.0
        /// Answer HEAD of a manifest with 405 Method Not Allowed.
        var refuseHead = false
        /// Answer `Range` requests with the whole blob (200).
        var ignoreRange = false
        /// Answer the first N blob GETs with this status (503 or 429 + Retry-After: 1).
        var failBlobs = 0
        var failStatus = 503
    }

    let directory: String
    let port: Int
    let logPath: String
    private let pid: pid_t

    var domain: String { "127.0.0.1:\(port)" }
    var blobsDirectory: String { directory + "/blobs/sha256" }

    /// Starts the server over a copy of the shared OCI layout, with `tags` naming
    /// manifests by `repository:tag` (the layout's index is `library/alpine:3.20.3`).
    init(_ behaviour: Behaviour) throws {
        try TestEnvironment.requireShared()
        directory = try TestEnvironment.temporaryDirectory("fake-registry")
        logPath = directory + "/requests.log"
        try TestEnvironment.run(["tar", "-xf", TestEnvironment.ociArchive, "-C", directory],
                                in: directory)
        let layoutIndex = try JSONDecoder().decode(
            ImageIndex.self, from: Data(try FileSystem.read(directory + "/index.json")))
        try FileSystem.writeAtomically(directory + "/server.py", text: Self.script)
        try Self.writeTags(["library/alpine:3.20.3": layoutIndex.manifests[0].digest],
                           to: directory)
        let options = String(decoding: try JSONEncoder().encode(behaviour), as: UTF8.self)
        let portFile = directory + "/port"
        pid = try TestEnvironment.spawn(
            ["python3", directory + "/server.py", directory, portFile, options],
            logPath: directory + "/server.out")
        guard TestEnvironment.wait(seconds: 10, for: { FileSystem.exists(portFile) }),
            let port = Int((try? FileSystem.readText(portFile))?.trimmed ?? "")
        else {
            TestEnvironment.stop(pid)
            let output = (try? FileSystem.readText(directory + "/server.out")) ?? ""
            throw TestFailure("fake registry did not start: \(output)")
        }
        self.port = port
    }

    func stop() {
        TestEnvironment.stop(pid)
        try? FileSystem.removeTree(directory)
    }

    /// Adds `bytes` as a blob named `digest` (which a test may make lie).
    func addBlob(_ bytes: [UInt8], as digest: Digest) throws {
        try FileSystem.writeAtomically(blobsDirectory + "/" + digest.hex, bytes)
    }

    /// Adds a manifest or index and tags it `repository:tag`.
    func addManifest(_ manifest: some Encodable, repository: String, tag: String) throws
        -> Digest
    {
        let bytes = Array(try JSONEncoder().encode(manifest))
        let digest = Digest.sha256(of: bytes)
        try addBlob(bytes, as: digest)
        var tags = try Self.readTags(in: directory)
        tags["\(repository):\(tag)"] = digest
        try Self.writeTags(tags, to: directory)
        return digest
    }

    /// The logged requests: `METHOD PATH RANGE AUTH-SCHEME`.
    func requests() -> [String] {
        ((try? FileSystem.readText(logPath)) ?? "").split(separator: "\n").map(String.init)
    }

    private static func readTags(in directory: String) throws -> [String: Digest] {
        try JSONDecoder().decode([String: Digest].self,
                                 from: Data(try FileSystem.read(directory + "/tags.json")))
    }

    private static func writeTags(_ tags: [String: Digest], to directory: String) throws {
        try FileSystem.writeAtomically(directory + "/tags.json",
                                       Array(try JSONEncoder().encode(tags)))
    }

    static let script = #"""
import base64, http.server, json, os, re, sys, threading, time, urllib.parse

root, port_file, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
lock = threading.Lock()
state = {"tokens": {}, "dropped": False, "stalled": False, "failed": 0}

def log(line):
    with lock, open(os.path.join(root, "requests.log"), "a") as f:
        f.write(line + "\n")

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=None, head=False):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message, headers=None):
        body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
        self.reply(status, body, dict(headers or {}, **{"Content-Type": "application/json"}))

    def authorized(self, name):
        if not options.get("bearer"):
            return True
        header = self.headers.get("Authorization", "")
        scope = "repository:%s:pull" % name
        if header.startswith("Bearer ") and state["tokens"].get(header[7:]) in (scope, "*"):
            return True
        realm = "http://127.0.0.1:%d/token" % self.server.server_port
        challenge = 'Bearer realm="%s",service="test",scope="repository:%s:pull"' % (
            realm, name)
        self.error(401, "UNAUTHORIZED", "authentication required",
                   {"WWW-Authenticate": challenge})
        return False

    def token(self):
        user = options.get("tokenUser")
        if user is not None:
            expected = "Basic " + base64.b64encode(
                ("%s:%s" % (user, options.get("tokenPassword") or "")).encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self.error(401, "UNAUTHORIZED", "bad credentials")
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        with lock:
            token = "token-%d" % (len(state["tokens"]) + 1)
            state["tokens"][token] = query.get("scope", ["*"])[0]
        self.reply(200, json.dumps({"access_token": token, "expires_in": 300}).encode(),
                   {"Content-Type": "application/json"})

    def do_HEAD(self):
        self.handle_request(head=True)

    def do_GET(self):
        self.handle_request(head=False)

    def handle_request(self, head):
        auth = self.headers.get("Authorization", "-").split(" ")[0]
        log("%s %s %s %s" % (self.command, self.path, self.headers.get("Range", "-"), auth))
        if self.path.startswith("/token"):
            return self.token()
        if self.path == "/v2/":
            return self.reply(200, b"{}")
        match = re.match(r"^/v2/(.+)/(manifests|blobs)/([^/]+)$", self.path)
        if not match:
            return self.error(404, "NOT_FOUND", "no route")
        name, kind, reference = match.groups()
        if not self.authorized(name):
            return
        if kind == "manifests":
            return self.manifest(name, reference, head)
        return self.blob(reference, head)

    def manifest(self, name, reference, head):
        if head and options.get("refuseHead"):
            return self.error(405, "UNSUPPORTED", "HEAD not supported")
        if not reference.startswith("sha256:"):
            with open(os.path.join(root, "tags.json")) as f:
                tags = json.load(f)
            reference = tags.get("%s:%s" % (name, reference))
            if reference is None:
                return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        path = os.path.join(root, "blobs", "sha256", reference[7:])
        if not os.path.exists(path):
            return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        with open(path, "rb") as f:
            body = f.read()
        media_type = json.loads(body).get("mediaType",
                                          "application/vnd.oci.image.manifest.v1+json")
        self.reply(200, body, {"Content-Type": media_type, "Docker-Content-Digest": reference},
                   head)

    def blob(self, digest, head):
        path = os.path.join(root, "blobs", "sha256", digest[7:])
        if not os.path.exists(path):
            return self.error(404, "BLOB_UNKNOWN", "blob unknown to registry")
        with lock:
            fail = state["failed"] < options.get("failBlobs", 0)
            if fail:
                state["failed"] += 1
        if fail:
            status = options.get("failStatus", 503)
            extra = {"Retry-After": "1"} if status == 429 else {}
            return self.error(status, "TOOMANYREQUESTS" if status == 429 else "UNAVAILABLE",
                              "try again", extra)
        with open(path, "rb") as f:
            body = f.read()
        with lock:
            drop = options.get("dropDigest") == digest and not state["dropped"]
            if drop:
                state["dropped"] = True
        if drop:
            # Promise the whole blob, send part of it, and hang up.
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:options.get("dropAfter", 0)])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        with lock:
            stall = options.get("stallDigest") == digest and not state["stalled"]
            if stall:
                state["stalled"] = True
        if stall:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:options.get("stallAfter", 0)])
            self.wfile.flush()
            time.sleep(options.get("stallSeconds", 0))
            self.close_connection = True
            return
        ranged = re.match(r"^bytes=(\d+)-$", self.headers.get("Range", ""))
        if ranged and not options.get("ignoreRange"):
            start = int(ranged.group(1))
            headers = {"Content-Range": "bytes %d-%d/%d" % (start, len(body) - 1, len(body))}
            return self.reply(206, body[start:], headers, head)
        self.reply(200, body, {"Content-Type": "application/octet-stream"}, head)

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_port))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
"""#
}

extension String {
    var trimmed: String {
        String(self.filter { !$0.isWhitespace })
    }
}
