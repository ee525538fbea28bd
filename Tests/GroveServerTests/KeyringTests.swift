// KeyringTests: the key file's grammar, hashing, roles.

import Testing
@testable import GroveServer
import GroveModelStore

@Suite struct KeyringTests {
    @Test func addedKeysAuthenticateWithTheirRole() throws {
        var file = KeyFile()
        file.add(id: "desk", role: .predict, key: "k1")
        file.add(id: "ops", role: .admin, key: "k2")
        let reparsed = try KeyFile(text: file.text)
        #expect(reparsed == file)
        #expect(!file.text.contains("k1"))   // only hashes are stored
        let ring = Keyring(file: reparsed)
        #expect(ring.authenticate("k1") == Keyring.Identity(id: "desk", role: .predict))
        #expect(ring.authenticate("k2")?.role == .admin)
        #expect(ring.authenticate("k3") == nil)
        #expect(ring.authenticate("") == nil)
        #expect(ring.authenticate("k1 ") == nil)
    }

    @Test func knownHashOfAKnownKey() throws {
        // sha256("test") = 9f86d081...
        let file = try KeyFile(text: "a read 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n")
        #expect(Keyring(file: file).authenticate("test")?.id == "a")
    }

    @Test func rolesAllowTheirCallsOnly() {
        #expect(Keyring.allows(.predict, call: "predict"))
        #expect(!Keyring.allows(.predict, call: "model_info"))
        #expect(Keyring.allows(.read, call: "stats") && Keyring.allows(.read, call: "health"))
        #expect(!Keyring.allows(.read, call: "predict"))
        #expect(Keyring.allows(.admin, call: "predict") && Keyring.allows(.admin, call: "list_models"))
        // Every role may call Health (a client probes an ejected endpoint with its own key).
        #expect(Role.allCases.allSatisfy { Keyring.allows($0, call: "health") })
        #expect(Keyring.answersWithoutKey("health"))
        #expect(!["predict", "explain", "list_models", "model_info", "stats", "admin"].contains(where: Keyring.answersWithoutKey))
    }

    @Test func aBadLineRefusesTheWholeFile() {
        let good = "a read 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
        for bad in ["a root 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "a read 9f86",
                    "a read",
                    "../a read 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "a read zz86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"] {
            #expect(throws: KeyFile.ParseError.self, "\(bad)") { try KeyFile(text: good + bad + "\n") }
        }
        #expect(throws: KeyFile.ParseError.self) { try KeyFile(text: good + good) }   // duplicate id
    }

    @Test func generatedKeysAreLongAndDistinct() {
        let a = KeyFile.generateKey(), b = KeyFile.generateKey()
        #expect(a != b && a.count == 68 && a.hasPrefix("grv_"))
    }
}
