// grove keys: manage the API key file (only SHA-256 hashes are stored; a new key is printed once).

import ArgumentParser
import Foundation
import GroveModelStore
import GroveSystem

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage API keys for `grove serve --keys FILE`.",
        subcommands: [Add.self, List.self, Revoke.self, SigningKey.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Create a key, print it once, store its hash.")
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
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List key ids and roles.")
        @Option(help: "Key file.") var file: String

        func run() throws {
            for e in try KeyFileIO.load(file, createIfMissing: false).entries { print("\(e.id)\t\(e.role)") }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Remove a key; a running server drops it at its next check.")
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

extension Keys {
    struct SigningKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "signing-key",
            abstract: "Make an Ed25519 model-signing key pair: the private key goes to --out (0600), the trusted-signers line is printed.")
        @Option(help: "Private key file to create (never overwritten).") var out: String
        @Option(help: "Signer name for the printed trusted-signers line (default: the file's name).") var name: String?

        func run() throws {
            let signer = name ?? URL(fileURLWithPath: out).deletingPathExtension().lastPathComponent
            guard KeyFile.isValidID(signer) else { throw ValidationError("invalid signer name '\(signer)': letters, digits, '.', '_', '-'") }
            let key = try SigningKeyFile.create(out)
            print("\(signer) \(key.publicKey.rawRepresentation.map { String(format: "%02x", $0) }.joined())")
            FileHandle.standardError.write("private signing key written to \(out) (keep it secret); add the line above to the server's --trusted-signers file\n".data(using: .utf8)!)
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

    /// Writes atomically with mode 0600 (temporary file, fsync, rename, directory fsync: a
    /// server reloading at any moment reads the old file or the new one, never half of one),
    /// and only a file that parses back to the same keys (the hashes are not secrets, but the
    /// file says who may call: an invalid file is never written).
    static func save(_ keys: KeyFile, to path: String) throws {
        let text = keys.text
        guard let back = try? KeyFile(text: text), back == keys else {
            throw ValidationError("refusing to write \(path): the new key file would not read back as written")
        }
        do { try AtomicFile.replace(path, with: Array(text.utf8), mode: 0o600) } catch {
            throw ValidationError("cannot write \(path): \(error)")
        }
    }
}
