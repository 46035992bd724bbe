import Glibc
import RuntimeKit
import SystemKit
import Testing

/// `linux.resources.hugepageLimits`: written to the hugetlb controller (v1
/// `hugetlb.<size>.limit_in_bytes`, v2 `hugetlb.<size>.max`); a page size the kernel
/// does not have fails create, naming it.
@Suite struct HugepageLimitTests {
    /// The directory of the container's cgroup that holds hugetlb files, or nil when
    /// this host has no hugetlb controller mounted.
    static func hugetlbDirectory(_ cgroupsPath: String) -> String? {
        if FileSystem.exists("/sys/fs/cgroup/cgroup.controllers") {
            return "/sys/fs/cgroup" + cgroupsPath
        }
        return FileSystem.exists("/sys/fs/cgroup/hugetlb/tasks")
            ? "/sys/fs/cgroup/hugetlb" + cgroupsPath : nil
    }

    @Test func theLimitReachesTheCgroupAndAnUnknownPageSizeIsRefused() throws {
        let container = try TestContainer(args: ["sleep", "100"])
        defer { container.cleanUp() }
        let cgroupsPath = container.spec.linux?.cgroupsPath ?? ""
        let twoGiB: UInt64 = 2 << 30
        container.spec.linux?.resources?.hugepageLimits = [
            Spec.HugepageLimit(pageSize: "2MB", limit: twoGiB),
        ]
        let id = container.makeID("huge")

        let created = try container.runcs(["create", "--bundle", container.bundle, id])

        guard let directory = Self.hugetlbDirectory(cgroupsPath) else {
            #expect(created.status != 0)
            #expect(created.error.contains("hugetlb"), "\(created.error)")
            return
        }
        try #require(created.status == 0, "\(created.error)")
        let file = FileSystem.exists(directory + "/hugetlb.2MB.max")
            ? "hugetlb.2MB.max" : "hugetlb.2MB.limit_in_bytes"
        let written = try FileSystem.readText(directory + "/" + file)
        #expect(written.split(separator: "\n").first.map(String.init) == String(twoGiB))
        _ = try container.runcs(["delete", "--force", id])

        container.spec.linux?.resources?.hugepageLimits = [
            Spec.HugepageLimit(pageSize: "3MB", limit: twoGiB),
        ]
        let refused = try container.runcs(["create", "--bundle", container.bundle,
                                           container.makeID("huge-bad")])
        #expect(refused.status != 0)
        #expect(refused.error.contains("3MB"), "\(refused.error)")
    }
}
