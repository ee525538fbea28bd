// grove keys: manage the API key file (only SHA-256 hashes are stored; a new key is printed once).

import ArgumentParser
import Foundation
import GroveModelStore

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API keys for `grove serve --keys FILE`.",
        subcommands: [Add.self, List.self, Revoke.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key, print it once, store its hash.")
        @Option(help: "Key file.") var file: String
        @Option(help: "Key id (letters, digits, '.', '_', '-').") var id: String
        @Option(help: "Role: predict, read or admin.") var role: String

        func run() throws {
            guard KeyFile.isValidID(id) else { throw ValidationError("invalid --id '\(id)'") }
            guard let r = Role(rawValue: role) else { throw ValidationError("--role must be predict, read or admin") }
            var keys = try KeyFileIO.load(file, createIfMissing: true)
            guard !keys.entries.contains(where: { $0.id == id }) else { throw ValidationError("key id '\(id)' exists; revoke it first") }
            let key = KeyFile.generateKey()
            keys.add(id: id, role: r, key: key)
            try KeyFileIO.save(keys, to: file)
            print(key)
            FileHandle.standardError.write("key '\(id)' (\(r)) added to \(file); the key above is shown only now\n".data(using: .utf8)!)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List key ids and roles.")
        @Option(help: "Key file.") var file: String

        func run() throws {
            for e in try KeyFileIO.load(file, createIfMissing: false).entries { print("\(e.id)\t\(e.role)") }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a key; a running server drops it at its next check.")
        @Option(help: "Key file.") var file: String
        @Option(help: "Key id.") var id: String

        func run() throws {
            var keys = try KeyFileIO.load(file, createIfMissing: false)
            guard keys.revoke(id: id) else { throw ValidationError("no key '\(id)' in \(file)") }
            try KeyFileIO.save(keys, to: file)
            print("revoked \(id)")
        }
    }
}

enum KeyFileIO {
    static func load(_ path: String, createIfMissing: Bool) throws -> KeyFile {
        guard FileManager.default.fileExists(atPath: path) else {
            if createIfMissing { return KeyFile() }
            throw ValidationError("no key file \(path)")
        }
        do { return try KeyFile(text: String(contentsOfFile: path, encoding: .utf8)) } catch { throw ValidationError("\(path): \(error)") }
    }

    /// Writes atomically with mode 0600 (the hashes are not secrets, but the file says who may call).
    static func save(_ keys: KeyFile, to path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(keys.text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(tmp)")
        }
        guard rename(tmp, path) == 0 else { throw ValidationError("cannot replace \(path): \(String(cString: strerror(errno)))") }
    }
}
