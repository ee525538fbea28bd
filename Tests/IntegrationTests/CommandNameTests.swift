// CommandNameTests: every command the README documents answers to its name (each command
// states its name in code, so a typo there would otherwise reach users unseen).

import Testing

@Suite struct CommandNameTests {
    /// Every command path of the CLI, as the README and `grove --help` name them.
    static let paths = [
        "train", "import", "export", "evaluate", "predict", "explain", "report", "cv", "serve", "call", "frame",
        "decode", "bench", "load", "sign",
        "keys", "keys add", "keys list", "keys revoke", "keys signing-key",
        "audit", "audit verify", "audit show",
        "admin", "admin label", "admin unload", "admin load", "admin upload",
    ]

    @Test(arguments: paths) func answersToItsName(path: String) throws {
        let words = path.split(separator: " ").map(String.init)
        let r = try Fixtures.runGrove(words + ["--help"])
        #expect(r.status == 0, "grove \(path) --help exited \(r.status): \(r.stderr)")
        #expect(r.stdout.contains("USAGE: grove \(path)"), "grove \(path) --help printed: \(r.stdout.prefix(200))")
    }
}
