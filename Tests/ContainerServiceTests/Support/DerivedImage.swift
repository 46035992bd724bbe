import SystemKit
import Testing
import Varlink

/// Builds an OCI layout archive from the test image with a changed configuration
/// (Entrypoint, Cmd, Env, WorkingDir, User): the same layers under a new config and
/// manifest, named `name`. Written with python3's tarfile and hashlib.
enum DerivedImage {
    static let script = """
        import hashlib, io, json, sys, tarfile
        source, target, name, changes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
        changes = json.loads(changes)
        archive = tarfile.open(source)
        members = {}
        for member in archive.getmembers():
            path = member.name[2:] if member.name.startswith("./") else member.name
            members[path] = member
        def read(path):
            return archive.extractfile(members[path]).read()
        def blob(digest):
            return read("blobs/sha256/" + digest.split(":")[1])
        document = json.loads(read("index.json"))
        while "manifests" in document:
            entries = document["manifests"]
            amd64 = [e for e in entries
                     if e.get("platform", {}).get("architecture") == "amd64"]
            document = json.loads(blob((amd64 or entries)[0]["digest"]))
        manifest = document
        config = json.loads(blob(manifest["config"]["digest"]))
        config.setdefault("config", {}).update(changes)
        blobs = {}
        def add(data):
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            blobs[digest] = data
            return digest, len(data)
        for layer in manifest["layers"]:
            blobs[layer["digest"]] = blob(layer["digest"])
        config_digest, config_size = add(json.dumps(config).encode())
        manifest["config"]["digest"] = config_digest
        manifest["config"]["size"] = config_size
        manifest["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
        manifest["config"]["mediaType"] = "application/vnd.oci.image.config.v1+json"
        manifest_digest, manifest_size = add(json.dumps(manifest).encode())
        index = {"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest, "size": manifest_size,
            "annotations": {"io.containerd.image.name": name}}]}
        with tarfile.open(target, "w") as out:
            def put(path, data):
                info = tarfile.TarInfo(path)
                info.size = len(data)
                out.addfile(info, io.BytesIO(data))
            put("oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
            put("index.json", json.dumps(index).encode())
            for digest, data in blobs.items():
                put("blobs/sha256/" + digest.split(":")[1], data)
        """

    /// Builds the archive in `directory` and imports it through `client` as `name`.
    static func importImage(_ name: String, changes: JSONObject, directory: String,
                            client: DaemonClient) throws
    {
        let scriptPath = directory + "/derive.py"
        let archive = directory + "/derived.tar"
        try FileSystem.writeAtomically(scriptPath, text: script)
        let result = try TestProcess.run(
            ["python3", scriptPath, try TestImage.shared.archive(in: directory), archive, name,
             JSONValue.object(changes).jsonText])
        try #require(result.status == 0, "building the derived image failed: \(result.output)")
        let names = try client.importArchive(path: archive)
        try #require(names == [name])
    }
}
