import SystemKit

extension CgroupManager {
    /// Creates the cpuset directory one level at a time. A new v1 cpuset starts with empty
    /// `cpuset.cpus` and `cpuset.mems`, and no task can join it (nor a child get values)
    /// until they are set, so each new level copies them from its parent.
    func createCpusetDirectory(_ directory: CgroupDirectory) throws {
        let relative = directory.path.dropFirst(directory.mountPoint.count)
        var current = directory.mountPoint
        for component in relative.split(separator: "/") {
            let parent = current
            current += "/" + component
            if !FileSystem.isDirectory(current) {
                try FileSystem.createDirectory(current)
            }
            for name in ["cpuset.cpus", "cpuset.mems"] {
                let own = try FileSystem.readText(current + "/" + name).trimmingNewline()
                if own.isEmpty {
                    let inherited = try FileSystem.readText(parent + "/" + name)
                        .trimmingNewline()
                    try write(current, name, inherited)
                }
            }
        }
    }
}
