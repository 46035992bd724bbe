// Written by scripts/embed-api-interfaces.py from docs/api/*.varlink: edit those
// files and run the script; a test checks that these literals equal the files.

/// The definitions of contaird's varlink interfaces, exactly as in docs/api/.
public enum ContairdInterfaces {
    /// docs/api/io.contaird.Containers.varlink
    public static let containers = """
        # Containers: the stored definition of what to run (an image, a command, its
        # settings), separate from the running process, which io.contaird.Tasks manages.
        #
        # Creating a container turns the image's configuration plus these options into an OCI
        # runtime configuration, with Docker's semantics (see docs/ARCHITECTURE.md). A creation
        # that fails leaves nothing behind: the id can be used again at once. Create does not
        # pull: an image missing from the store is io.contaird.Images.ImageNotFound.
        interface io.contaird.Containers

        # A mount of the host into the container, as `--mount type=bind,src=..,dst=..`.
        type Mount (
          # "bind", "tmpfs", ...
          type: string,
          source: string,
          destination: string,
          # Such as "rbind", "ro", "nosuid"; `--mount options=rbind:ro` gives ["rbind", "ro"].
          options: []string
        )

        # A terminal's size in character cells.
        type TerminalSize (rows: int, columns: int)

        # Limits on what the container may use; an absent field means no limit.
        type Resources (
          memoryLimitBytes: ?int,
          # CPU time as a number of CPUs, such as 1.5.
          cpus: ?float,
          pidsLimit: ?int
        )

        # Everything `ctrs run` and `ctrs container create` say about a container. Absent
        # fields take the image's values or the defaults.
        type ContainerSpec (
          # The image as the user typed it; short names resolve as Docker's do
          # ("alpine" is "docker.io/library/alpine:latest").
          image: string,
          # Replaces the image's Cmd and keeps its Entrypoint.
          args: ?[]string,
          # Replaces the image's Entrypoint (and drops its Cmd unless `args` is given).
          entrypoint: ?[]string,
          # "KEY=VALUE" entries after the image's; a later entry for a key wins.
          env: ?[]string,
          # The working directory; created when missing.
          cwd: ?string,
          # "user", "uid", "user:group" or "uid:gid", looked up in the image's /etc/passwd
          # and /etc/group.
          user: ?string,
          # Defaults to the container id.
          hostname: ?string,
          mounts: ?[]Mount,
          # Share the host's network namespace instead of a new one with loopback up.
          netHost: ?bool,
          # Give the process a pseudo-terminal of this size (set before it starts).
          tty: ?bool,
          terminalSize: ?TerminalSize,
          # Keep stdin open for Attach (`ctrs run -i`, implied by a tty).
          stdin: ?bool,
          readonly: ?bool,
          privileged: ?bool,
          resources: ?Resources,
          # The OCI runtime binary for this container (runcs, runc, crun).
          runtime: ?string,
          # Run a minimal reaper as PID 1 in front of the process.
          init: ?bool,
          # Delete the container and its task when the process exits (`--rm`), done by the
          # daemon so it happens even when the client is gone.
          autoRemove: ?bool
        )

        # A stored container.
        type Container (
          id: string,
          # The spec as given at creation.
          spec: ContainerSpec,
          # The normalized image name and the digest of the manifest it was created from.
          imageName: string,
          imageDigest: string,
          labels: [string]string,
          createdAt: string,
          updatedAt: string,
          # The state of its task; "none" before the first start and after the task's delete.
          status: (none, created, running, paused, stopped)
        )

        # Creates a container (its writable snapshot and its OCI bundle); does not start it.
        method Create(id: string, spec: ContainerSpec, labels: ?[string]string) -> (
          container: Container
        )

        # The containers, optionally only those carrying every label in `labels`.
        method List(labels: ?[string]string) -> (containers: []Container)

        # One container.
        method Get(id: string) -> (container: Container)

        # Sets labels (an empty value removes the label) and returns the updated container.
        method Update(id: string, labels: [string]string) -> (container: Container)

        # Deletes a container: its snapshot, bundle and record. A container whose task exists
        # is refused unless `force`, which kills and deletes the task first.
        method Delete(id: string, force: ?bool) -> ()

        error ContainerNotFound (id: string, message: string)

        error ContainerExists (id: string, message: string)

        # A container id must match [A-Za-z0-9][A-Za-z0-9_.-]{0,127}.
        error InvalidId (id: string, message: string)

        # The spec cannot be turned into a runnable container; `field` names the culprit
        # ("user", "cwd", "mounts[1].source"), `message` says why.
        error InvalidSpec (field: string, message: string)

        # The container's task is running or paused; stop it or use `force`.
        error ContainerRunning (id: string, message: string)

        """

    /// docs/api/io.contaird.Images.varlink
    public static let images = """
        # Images: the content store, the names that point into it, and the snapshots unpacked
        # from it.
        #
        # References are normalized as Docker does: "alpine" is
        # "docker.io/library/alpine:latest", and "name@sha256:..." pins a digest.
        #
        # Import and Export use varlink's "upgrade" to move an archive over the connection:
        # - Import: after the reply, the client writes the archive's bytes and then shuts
        #   down its writing side (shutdown(SHUT_WR)); the daemon then sends one final message
        #   in varlink's form, a NUL-terminated JSON object: {"parameters": {"images": [...]}}
        #   on success (the Image records imported), or {"error": NAME, "parameters": {...}}.
        # - Export: after the reply, the daemon writes the OCI layout tar and closes the
        #   connection; an error once streaming has begun shows as a truncated archive.
        interface io.contaird.Images

        type Platform (
          # "linux"
          os: string,
          # "amd64", "arm64", ...
          architecture: string,
          # "v8", "v7", ...
          variant: ?string
        )

        # A name and the content it points to.
        type Image (
          # The normalized name, "docker.io/library/alpine:3.20".
          name: string,
          # The target: an index or a manifest.
          digest: string,
          mediaType: string,
          # The bytes of the target plus everything it references that is in the store.
          size: int,
          # The platforms whose manifests and layers are in the store.
          platforms: []Platform,
          createdAt: string,
          updatedAt: string,
          labels: [string]string
        )

        # How far a pull has come, in a reply to Pull called with "more".
        type Progress (
          # The blob's digest and what it is ("index", "manifest", "config", "layer").
          digest: string,
          kind: string,
          # Bytes received so far, and the blob's size.
          offset: int,
          size: int,
          # waiting, downloading, verifying, done (present already or fetched), failed.
          status: (waiting, downloading, verifying, done, failed)
        )

        # The images, sorted by name.
        method List() -> (images: []Image)

        # One image, with the documents it is made of: the index (when the target is one), the
        # manifest and the configuration chosen for `platform` ("os/arch[/variant]", the
        # daemon's own when absent), as JSON objects.
        method Inspect(name: string, platform: ?string) -> (
          image: Image,
          index: ?object,
          manifest: object,
          config: object
        )

        # Pulls an image from a registry through the OCI distribution API and unpacks it.
        # `platform` is "os/arch[/variant]" (the daemon's own when absent); `allPlatforms`
        # fetches every platform of an index. `username` and `password` authenticate; without
        # them, credentials come from the daemon's Docker-style config.json. `plainHttp` talks
        # HTTP (for a registry on loopback). Called with "more", replies carry progress
        # (`progress` set, `image` absent) until the last reply, which carries the image.
        method Pull(
          reference: string,
          platform: ?string,
          allPlatforms: ?bool,
          plainHttp: ?bool,
          username: ?string,
          password: ?string
        ) -> (progress: ?[]Progress, image: ?Image)

        # Imports an OCI layout tar or a `docker save` tar sent over the upgraded connection
        # (see above). `indexName` names an archive whose index carries no names; an archive
        # without any name is refused.
        method Import(allPlatforms: ?bool, indexName: ?string) -> ()

        # Writes one OCI layout tar holding the named images over the upgraded connection (see
        # above). The reply comes once every name has been resolved.
        method Export(names: []string, allPlatforms: ?bool) -> ()

        # Gives the image `source` a second name `target` (replacing what `target` named).
        method Tag(source: string, target: string) -> (image: Image)

        # Removes the name; the blobs and snapshots no other image or container uses are
        # deleted.
        method Remove(name: string) -> ()

        # Mounts a read-only view of the image's root filesystem on `target`, a directory.
        method Mount(name: string, target: string, platform: ?string) -> ()

        method Unmount(target: string) -> ()

        # `suggestions` holds the names of images that exist and look like the one asked for.
        error ImageNotFound (name: string, suggestions: []string, message: string)

        error InvalidReference (reference: string, message: string)

        # The registry refused or failed: `status` is the HTTP status when there was one.
        error RegistryError (registry: string, status: ?int, message: string)

        # The content is broken or hostile: a digest or size that lies, an entry escaping the
        # root, an archive that is not an image; `subject` names the blob, entry or file.
        error InvalidContent (subject: string, message: string)

        # No manifest in the index matches the platform.
        error PlatformNotFound (name: string, platform: string, message: string)

        # A container still uses the image's snapshot (only with Unmount or a forced removal).
        error ImageInUse (name: string, containers: []string, message: string)

        """

    /// docs/api/io.contaird.System.varlink
    public static let system = """
        # The contaird daemon itself: what it is, what it runs on, and what happens in it.
        #
        # Conventions shared by every io.contaird interface:
        # - Times are RFC 3339 strings in UTC with nanoseconds ("2026-12-03T17:20:01.123456789Z").
        # - Every error carries `message`, the lowercase, user-facing sentence that names what
        #   failed (ctrs prints it as is), besides the fields that let a program react to it.
        # - Any method of any io.contaird interface may fail with io.contaird.System.InternalError
        #   when the daemon itself fails (a syscall, the metadata store), and with the standard
        #   org.varlink.service errors (InvalidParameter, PermissionDenied, ExpectedMore).
        interface io.contaird.System

        # The daemon's build.
        type BuildVersion (
          # The release, such as "0.1.0".
          version: string,
          # The source revision it was built from.
          revision: string,
          # The version of the varlink API described by the io.contaird interfaces.
          apiVersion: string
        )

        # What `ctrs info` prints, like `docker info`.
        type SystemInfo (
          serverVersion: string,
          containers: int,
          containersRunning: int,
          containersPaused: int,
          containersStopped: int,
          images: int,
          # "overlayfs", or "native" where overlayfs is unavailable and snapshots are copies.
          storageDriver: string,
          # 1 or 2.
          cgroupVersion: int,
          # The OCI runtime used by default: its path and the version it reports.
          runtime: string,
          runtimeVersion: string,
          kernelVersion: string,
          operatingSystem: string,
          # The daemon's architecture in OCI terms ("amd64", "arm64").
          architecture: string,
          cpus: int,
          memoryBytes: int,
          rootDirectory: string,
          stateDirectory: string,
          socketPath: string,
          # The daemon's process id, and when it started.
          pid: int,
          startedAt: string
        )

        # One thing that happened in the daemon.
        type Event (
          time: string,
          # What the event is about.
          kind: (container, task, image),
          # container: create, update, delete;
          # task: start, exit, oom, pause, resume, exec-start, exec-exit, delete;
          # image: pull, import, tag, delete.
          action: string,
          # The container id or the image name.
          subject: string,
          # Details of the action, such as "exitStatus", "pid", "execId", "digest".
          attributes: [string]string
        )

        # The daemon's version.
        method Version() -> (version: BuildVersion)

        # The state of the daemon and of the host it manages.
        method Info() -> (info: SystemInfo)

        # Streams events as they happen. Must be called with "more". The first reply carries no
        # event: it says the subscription is in place, so that a client can act and then expect
        # to see its own action. Each following reply carries one event. An empty or absent
        # `kinds` means every kind.
        method Events(kinds: ?[]string) -> (event: ?Event)

        # The daemon failed to do what was asked for a reason of its own.
        error InternalError (message: string)

        """

    /// docs/api/io.contaird.Tasks.varlink
    public static let tasks = """
        # Tasks: the running processes of containers. A container has at most one task, its
        # init process, plus any number of exec processes named by an exec id.
        #
        # A task whose container was created with autoRemove is deleted by the daemon, with the
        # container, once its process has exited, whether or not any client is there. When the
        # task was started with "upgrade" (an attached client, `ctrs run --rm`), the first Wait
        # for its init removes the container before it answers, so that the client learns the
        # exit status and finds the id free at the same moment; with no such Wait within 10
        # seconds of the exit, the daemon removes it alone. A Wait that comes after the
        # removal is still answered, from the exit status kept for 5 minutes.
        #
        # Attach and Exec use varlink's "upgrade": after the one reply, the connection stops
        # carrying varlink messages and carries the process's input and output:
        # - with a terminal: raw bytes both ways; what the client writes goes to the terminal,
        #   what the terminal prints comes back; the daemon closes the connection when the
        #   terminal closes (the process exited);
        # - without a terminal: the client's bytes go to the process's stdin, and the client's
        #   shutdown(SHUT_WR) closes that stdin; the daemon sends frames, each an 8-byte header
        #   (byte 0: 1 for stdout, 2 for stderr; bytes 1-3: zero; bytes 4-7: the payload's
        #   length, big-endian) followed by the payload, and closes the connection when both
        #   outputs reached end of file.
        # Exit statuses come from Wait. Terminal size changes go through Resize on another
        # connection.
        interface io.contaird.Tasks

        type TerminalSize (rows: int, columns: int)

        type Task (
          # The container id.
          id: string,
          # The host pid of the init process (0 once it has exited).
          pid: int,
          status: (created, running, paused, stopped),
          tty: bool,
          startedAt: ?string,
          # Set once the process has exited: the exit code, or 128 + the signal's number.
          exitStatus: ?int,
          exitedAt: ?string
        )

        # One process inside a container, as `ctrs task ps` prints it.
        type Process (
          # The host pid, and the pid as the container sees it.
          pid: int,
          containerPid: int,
          ppid: int,
          uid: int,
          # R, S, D, Z, T, ... as in /proc/PID/stat.
          state: string,
          # The command line, argv joined by spaces.
          command: string
        )

        type ResourceUsage (
          time: string,
          cpuUsageNanoseconds: int,
          memoryUsageBytes: int,
          # Absent when unlimited.
          memoryLimitBytes: ?int,
          pids: int,
          pidsLimit: ?int
        )

        type LogEntry (
          time: string,
          stream: (stdout, stderr),
          # The bytes, base64-encoded, because terminal output is not always valid UTF-8.
          data: string
        )

        # Starts the container's process, creating its task; returns its host pid. Called
        # with "upgrade", the connection then carries the process's input and output from its
        # very first byte, as Attach does (`stdin` keeps its input open): this is how
        # `ctrs run` starts an interactive container in one round trip.
        method Start(id: string, stdin: ?bool) -> (pid: int)

        # Waits for the init process (or the exec process `execId`) to exit. Returns at once
        # for a process that has already exited, including one that exited while the daemon
        # was down.
        method Wait(id: string, execId: ?string) -> (exitStatus: int, exitedAt: string)

        # Sends a signal: a name ("SIGTERM", "TERM") or a number ("15"), SIGTERM when absent.
        # `all` signals every process of the container; `execId` one exec process.
        method Kill(id: string, signal: ?string, all: ?bool, execId: ?string) -> ()

        # SIGTERM, then SIGKILL when the process is still alive after `timeoutSeconds`
        # (10 when absent); returns its exit status.
        method Stop(id: string, timeoutSeconds: ?int) -> (exitStatus: int)

        # Removes a stopped task (and its monitor), returning its exit status. `force` kills a
        # running one first.
        method Delete(id: string, force: ?bool) -> (exitStatus: int)

        # Runs another process in the running container. Called with "upgrade", the connection
        # carries the process's input and output (see above) and the process starts at once;
        # called without, the process runs detached with its output in the container's log.
        # `execId` names the process for Wait, Kill and Resize.
        method Exec(
          id: string,
          execId: string,
          args: []string,
          env: ?[]string,
          cwd: ?string,
          user: ?string,
          tty: ?bool,
          terminalSize: ?TerminalSize,
          stdin: ?bool
        ) -> (pid: int)

        # Attaches to the container's running process. Must be called with "upgrade"; the
        # reply says whether the stream is a terminal. Output before the attach is in the log
        # (Logs); to miss none of it, start with Start's "upgrade". Attaching again after a
        # daemon restart works.
        method Attach(id: string, execId: ?string, stdin: ?bool) -> (tty: bool)

        # Sets the terminal size of the init process or of an exec process.
        method Resize(id: string, execId: ?string, size: TerminalSize) -> ()

        # Freezes and thaws every process of the container.
        method Pause(id: string) -> ()

        method Resume(id: string) -> ()

        # The processes of the container.
        method Ps(id: string) -> (processes: []Process)

        # The container's resource use, from its cgroup.
        method Metrics(id: string) -> (usage: ResourceUsage)

        # The tasks of every container that has one.
        method List() -> (tasks: []Task)

        # One task.
        method Get(id: string) -> (task: Task)

        # The container's output log: the last `tail` entries (all when absent), then, with
        # `follow` (which needs "more"), what comes until the process exits. Each reply
        # carries a batch of entries.
        method Logs(id: string, tail: ?int, follow: ?bool) -> (entries: []LogEntry)

        # The container has no task (never started, or deleted).
        error TaskNotFound (id: string, message: string)

        error TaskExists (id: string, message: string)

        error ExecNotFound (id: string, execId: string, message: string)

        error ExecExists (id: string, execId: string, message: string)

        # The task is not in a state that allows the call (starting a running task, pausing a
        # stopped one); `status` is its current status.
        error InvalidState (id: string, status: string, message: string)

        # The process could not be started: `exitStatus` follows Docker (126 cannot execute,
        # 127 command not found), `message` gives the runtime's reason.
        error StartFailed (id: string, exitStatus: int, message: string)

        error UnknownSignal (signal: string, message: string)

        """

    /// Every interface: its name, and its definition's text.
    public static let all: [(name: String, text: String)] = [
        ("io.contaird.Containers", containers),
        ("io.contaird.Images", images),
        ("io.contaird.System", system),
        ("io.contaird.Tasks", tasks),
    ]
}
