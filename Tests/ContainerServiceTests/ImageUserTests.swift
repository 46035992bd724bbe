import Testing
@testable import ContainerService

@Suite struct ImageUserTests {
    let passwd = """
        root:x:0:0:root:/root:/bin/sh
        daemon:x:2:2:daemon:/sbin:/sbin/nologin
        # a comment
        alice:x:1000:1000:Alice:/home/alice:/bin/sh
        """
    let group = """
        root:x:0:root
        wheel:x:10:root,alice
        audio:x:18:alice
        alice:x:1000:
        staff:x:50:
        """

    @Test func emptyMeansRootWithItsHome() throws {
        let user = try ImageUser.resolve("", passwd: passwd, group: group)
        #expect(user == ImageUser(uid: 0, gid: 0, additionalGids: [10], home: "/root"))
    }

    @Test func nameGivesIdsHomeAndSupplementaryGroups() throws {
        let user = try ImageUser.resolve("alice", passwd: passwd, group: group)
        #expect(user == ImageUser(uid: 1000, gid: 1000, additionalGids: [10, 18],
                                  home: "/home/alice"))
    }

    @Test func numericUidFindsTheEntryOrStandsAlone() throws {
        #expect(try ImageUser.resolve("1000", passwd: passwd, group: group).home == "/home/alice")
        let stranger = try ImageUser.resolve("4242", passwd: passwd, group: group)
        #expect(stranger == ImageUser(uid: 4242, gid: 0, additionalGids: [], home: "/"))
    }

    @Test func explicitGroupByNameOrNumberDropsSupplementaryGroups() throws {
        let named = try ImageUser.resolve("alice:staff", passwd: passwd, group: group)
        #expect(named == ImageUser(uid: 1000, gid: 50, additionalGids: [], home: "/home/alice"))
        #expect(try ImageUser.resolve("2:7", passwd: passwd, group: group).gid == 7)
    }

    @Test func unknownNamesAreErrorsThatNameThem() {
        #expect(throws: ImageUser.Failure.unknownUser("bob")) {
            try ImageUser.resolve("bob", passwd: passwd, group: group)
        }
        #expect(throws: ImageUser.Failure.unknownGroup("nogroup")) {
            try ImageUser.resolve("alice:nogroup", passwd: passwd, group: group)
        }
        #expect(ImageUser.Failure.unknownUser("bob").description
            == "no user \"bob\" in the image's /etc/passwd")
    }
}
