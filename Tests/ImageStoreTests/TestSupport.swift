import Glibc
import ImageSpec
import Testing
@testable import ImageStore
import SystemKit
import TestKit

/// Shared helpers: private directories, the shared image archives, running commands,
/// building hostile and layered images with Python's tarfile, walking trees.
enum TestSupport {
    /// A private directory (mkdtemp) for one test.
    static func temporaryDirectory() throws -> String {
        try TestPaths.temporaryDirectory("imagestore-test")
    }

    /// `../shared/images` beside the package root.
    static func sharedImages() throws -> String {
        let images = TestPaths.shared + "/images"
        guard FileSystem.exists(images + "/alpine-3.20.3-multiarch.oci.tar") else {
            Issue.record("shared image archives missing at \(images)")
            throw SystemError(call: "stat", path: images, errno: ENOENT)
        }
        return images
    }

    /// Runs `arguments` (searched in PATH) and returns its exit status.
    @discardableResult
    static func run(_ arguments: [String], quiet: Bool = true) -> Int32 {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if quiet {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ) == 0 else {
            return -1
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status >> 8) & 0xff
    }

    /// Writes the image builder and runs `script` after it; OUT names `output`.
    static func buildImage(_ directory: String, _ output: String, _ script: String) throws {
        let path = directory + "/build.py"
        let program = imageBuilder + "\nOUT = \(pythonString(output))\n" + script + "\n"
        try FileSystem.writeAtomically(path, text: program)
        let status = run(["python3", path], quiet: false)
        #expect(status == 0, "image builder failed")
        if status != 0 {
            throw SystemError(call: "python3", path: path, errno: EIO)
        }
    }

    static func pythonString(_ text: String) -> String {
        "'" + text.replacingOccurrences("'", "\\'") + "'"
    }

    /// A directory whose contents must stay empty: a hostile layer aims at it.
    static func canary(_ directory: String) throws -> String {
        let canary = directory + "/canary"
        try FileSystem.createDirectory(canary)
        return canary
    }

    /// Python: helpers to build layers and whole OCI layout archives.
    static let imageBuilder = #"""
import gzip, hashlib, io, json, subprocess, tarfile, time

def info(name, kind=tarfile.REGTYPE, mode=0o644, uid=0, gid=0, **extra):
    t = tarfile.TarInfo(name)
    t.type = kind
    t.mode = mode
    t.uid = uid
    t.gid = gid
    t.mtime = 1700000000
    for key, value in extra.items():
        setattr(t, key, value)
    return t

def d(name, mode=0o755, **kw):
    return (info(name, tarfile.DIRTYPE, mode, **kw), None)

def f(name, data=b'', mode=0o644, **kw):
    if isinstance(data, str):
        data = data.encode()
    t = info(name, tarfile.REGTYPE, mode, **kw)
    t.size = len(data)
    return (t, data)

def l(name, target, **kw):
    return (info(name, tarfile.SYMTYPE, 0o777, linkname=target, **kw), None)

def h(name, target, **kw):
    return (info(name, tarfile.LNKTYPE, 0o644, linkname=target, **kw), None)

def dev(name, kind, major, minor, mode=0o600):
    return (info(name, kind, mode, devmajor=major, devminor=minor), None)

def layer(entries, fmt=tarfile.PAX_FORMAT):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w', format=fmt) as tar:
        for t, data in entries:
            tar.addfile(t, io.BytesIO(data) if data is not None else None)
    return out.getvalue()

def blob(blobs, data):
    digest = 'sha256:' + hashlib.sha256(data).hexdigest()
    blobs[digest] = data
    return {'digest': digest, 'size': len(data)}

def image(out, name, layers, compress=True, config_extra=None, lie=None, truncate=False,
          drop_layer=False, annotate=True):
    blobs = {}
    descs, diff_ids = [], []
    for entries in layers:
        tar = entries if isinstance(entries, bytes) else layer(entries)
        diff_ids.append('sha256:' + hashlib.sha256(tar).hexdigest())
        kind = 'application/vnd.oci.image.layer.v1.tar'
        data = tar
        if compress == 'zstd':
            data = subprocess.run(['zstd', '-q', '-c'], input=tar, capture_output=True,
                                  check=True).stdout
            kind += '+zstd'
        elif compress:
            data = gzip.compress(tar, mtime=0)
            kind += '+gzip'
        if truncate:
            data = data[:len(data) // 2]
        desc = blob(blobs, data)
        desc['mediaType'] = kind
        descs.append(desc)
    config = {'architecture': 'amd64', 'os': 'linux',
              'config': {'Cmd': ['/bin/sh'], 'Env': ['PATH=/bin'], 'WorkingDir': '/w',
                         'User': '1000:1000', 'Entrypoint': ['/init']},
              'rootfs': {'type': 'layers', 'diff_ids': diff_ids}}
    if config_extra:
        config.update(config_extra)
    cdesc = blob(blobs, json.dumps(config).encode())
    cdesc['mediaType'] = 'application/vnd.oci.image.config.v1+json'
    manifest = {'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                'config': cdesc, 'layers': descs}
    mdesc = blob(blobs, json.dumps(manifest).encode())
    mdesc['mediaType'] = 'application/vnd.oci.image.manifest.v1+json'
    if annotate:
        mdesc['annotations'] = {'io.containerd.image.name': name}
    if drop_layer:
        del blobs[descs[0]['digest']]
    written = dict(blobs)
    if lie == 'digest':
        key = descs[0]['digest']
        written[key] = written[key][:-1] + bytes([written[key][-1] ^ 1])
    if lie == 'size':
        manifest['layers'][0]['size'] += 7
        written.pop(mdesc['digest'])
        mdata = json.dumps(manifest).encode()
        digest = 'sha256:' + hashlib.sha256(mdata).hexdigest()
        written[digest] = mdata
        mdesc['digest'], mdesc['size'] = digest, len(mdata)
    index = {'schemaVersion': 2, 'manifests': [mdesc]}
    write_layout(out, written, index)

def docker_image(out, tags, layers):
    files, diff_ids, names = {}, [], []
    for entries in layers:
        tar = layer(entries)
        hexdigest = hashlib.sha256(tar).hexdigest()
        diff_ids.append('sha256:' + hexdigest)
        names.append(hexdigest + '/layer.tar')
        files[names[-1]] = tar
    config = json.dumps({'architecture': 'amd64', 'os': 'linux',
                         'rootfs': {'type': 'layers', 'diff_ids': diff_ids}}).encode()
    files['config.json'] = config
    files['manifest.json'] = json.dumps([{'Config': 'config.json', 'RepoTags': tags,
                                          'Layers': names}]).encode()
    with tarfile.open(out, 'w') as tar:
        for path, data in files.items():
            t = tarfile.TarInfo(path)
            t.size = len(data)
            tar.addfile(t, io.BytesIO(data))

def write_layout(out, written, index):
    with tarfile.open(out, 'w') as tar:
        def add(path, data):
            t = tarfile.TarInfo(path)
            t.size = len(data)
            tar.addfile(t, io.BytesIO(data))
        add('oci-layout', b'{"imageLayoutVersion":"1.0.0"}')
        for digest, data in written.items():
            add('blobs/sha256/' + digest.split(':')[1], data)
        add('index.json', json.dumps(index).encode())
"""#

    /// What a tree holds, path by path: type, mode, owner, size, content digest, link.
    static func describeTree(_ root: String) throws -> [String: String] {
        var result: [String: String] = [:]
        try describe(root, "", into: &result)
        return result
    }

    private static func describe(_ root: String, _ relative: String,
                                 into result: inout [String: String]) throws {
        for name in try FileSystem.listDirectory(root + relative) {
            let path = relative + "/" + name
            var status = stat()
            guard lstat(root + path, &status) == 0 else { continue }
            var text = "mode=\(String(status.st_mode, radix: 8)) uid=\(status.st_uid)"
                + " gid=\(status.st_gid)"
            switch status.st_mode & S_IFMT {
            case S_IFREG:
                let digest = Digest.sha256(of: try FileSystem.read(root + path))
                text += " size=\(status.st_size) \(digest) mtime=\(status.st_mtim.tv_sec)"
            case S_IFLNK:
                var buffer = [CChar](repeating: 0, count: 4096)
                let length = readlink(root + path, &buffer, 4095)
                text += " -> " + String(decoding: buffer[0..<max(0, length)].map {
                    UInt8(bitPattern: $0) }, as: UTF8.self)
            case S_IFDIR:
                try describe(root, path, into: &result)
            default:
                text += " rdev=\(status.st_rdev)"
            }
            result[path] = text
        }
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// An image service in a private directory, removed (mounts first) at the end.
final class TestStore {
    let directory: String
    let service: ImageService
    var mounts: [String] = []

    init(snapshotter: SnapshotterKind? = nil) throws {
        directory = try TestSupport.temporaryDirectory()
        service = try ImageService(root: directory + "/root",
                                   options: .init(snapshotter: snapshotter))
    }

    /// Mounts `reference` read-only at a fresh directory; `close` unmounts it.
    func mount(_ reference: String) throws -> String {
        let target = directory + "/view-\(mounts.count)"
        try FileSystem.createDirectory(target)
        try service.mountImage(reference, at: target)
        mounts.append(target)
        return target
    }

    func unmount(_ target: String) throws {
        try service.unmount(target)
        mounts.removeAll { $0 == target }
    }

    /// Blobs and snapshots on disk and in the table, and image names.
    func inventory() throws -> (blobs: [Digest], snapshots: [String], images: [String]) {
        let rows = try service.snapshots.all().map(\.key)
        let directories = try FileSystem.listDirectory(directory + "/root/snapshots")
        #expect(directories.count == rows.count, "snapshot directories and rows disagree")
        let ingest = try FileSystem.listDirectory(directory + "/root/content/ingest")
        #expect(ingest.isEmpty, "ingest files left behind: \(ingest)")
        return (try service.content.list(), rows.sorted(), try service.list().map(\.name))
    }

    func close() {
        for target in mounts.reversed() {
            try? service.unmount(target)
            umount2(target, Int32(MNT_DETACH))
        }
        try? FileSystem.removeTree(directory)
    }
}
