import CabinetCore
import Testing

@Suite struct PathNamesTests {
    /// Foundation traps on "v"; these never do.
    @Test(arguments: [("v", ".", "v"), ("dir/v", "dir", "v"), ("/v", "/", "v"), ("/a/b/c.vault", "/a/b", "c.vault"),
                      ("a/b/", "a", "b"), ("/", "/", ""), ("", ".", "")])
    func parentAndName(_ c: (String, String, String)) {
        #expect(PathNames.parent(c.0) == c.1)
        #expect(PathNames.name(c.0) == c.2)
    }

    @Test func join() {
        #expect(PathNames.join(".", "v") == "./v")
        #expect(PathNames.join("/", "v") == "/v")
    }
}
