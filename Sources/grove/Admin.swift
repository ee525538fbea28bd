// grove admin: label, load, unload and upload against a server started with --admin.

import ArgumentParser
import Foundation
import GroveClient
import GroveModelStore
import GroveWire

struct Admin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Administer a running server (needs `grove serve --admin` and an admin key).",
        subcommands: [Label.self, Unload.self, Load.self, Upload.self])

    struct Target: ParsableArguments {
        @Argument(help: "Server address HOST:PORT.") var address: String
        @Option(help: "Admin API key.") var apiKey: String = ""
        @Option(help: "Model name.") var model: String

        func client() throws -> GroveClient {
            guard let e = Endpoint(address) else { throw ValidationError("bad address '\(address)'") }
            var c = GroveClient.Configuration(endpoints: [e])
            c.apiKey = apiKey
            c.timeoutSeconds = 60
            return try GroveClient(configuration: c)
        }

        func run(_ op: AdminRequest) throws {
            do {
                let r = try client().admin(op)
                print(r.message)
            } catch {
                FileHandle.standardError.write("grove admin: \(error)\n".data(using: .utf8)!)
                throw ExitCode(2)
            }
        }
    }

    struct Label: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "label", abstract: "Point a label at a version (version 0 removes it).")
        @OptionGroup var target: Target
        @Option(help: "Label, e.g. stable.") var label: String
        @Option(help: "Version.") var version: UInt64
        func run() throws { try target.run(.setLabel(model: target.model, label: label, version: version)) }
    }

    struct Unload: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unload", abstract: "Stop serving a version.")
        @OptionGroup var target: Target
        @Option(help: "Version.") var version: UInt64
        func run() throws { try target.run(.unloadVersion(model: target.model, version: version)) }
    }

    struct Load: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "load", abstract: "Serve an unloaded version again.")
        @OptionGroup var target: Target
        @Option(help: "Version.") var version: UInt64
        func run() throws { try target.run(.loadVersion(model: target.model, version: version)) }
    }

    struct Upload: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "upload", abstract: "Upload a model file; it becomes the model's next version.")
        @OptionGroup var target: Target
        @Option(help: "Model file (model.grove).") var file: String
        @Option(help: "Chunk size in bytes.") var chunkBytes: Int = 1 << 20

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            do {
                let r = try target.client().uploadModel(name: target.model, file: [UInt8](data),
                                                           sha256: ModelFileCodec.sha256Hex([UInt8](data)), chunkBytes: chunkBytes)
                print(r.message)
            } catch {
                FileHandle.standardError.write("grove admin upload: \(error)\n".data(using: .utf8)!)
                throw ExitCode(2)
            }
        }
    }
}
