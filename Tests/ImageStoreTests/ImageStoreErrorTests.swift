import Testing
@testable import ImageStore

@Suite struct ImageStoreErrorTests {
    @Test func codesFollowTheDaemonsShortList() throws {
        let store = try TestStore()
        defer { store.close() }

        do {
            _ = try store.service.get("missing:1")
            Issue.record("a missing image was found")
        } catch {
            #expect(error.code == "notFound")
            #expect(error.description == "image \"missing:1\" not found")
        }
        do {
            try store.service.tag("missing:1", "Not Valid")
            Issue.record("tagging a missing image succeeded")
        } catch {
            #expect(error.code == "notFound")
        }
    }
}
