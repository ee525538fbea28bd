// ModelFileLoader: reads a model from a repository for the offline commands.

import ArgumentParser
import Foundation
import GroveForest
import GroveModelStore
import GroveWire

enum ModelFileLoader {
    static func load(repo: String, name: String, version: UInt64?) throws -> TrainedModel {
        guard ModelRepository.isValidName(name) else { throw ValidationError("invalid model name '\(name)'") }
        guard let file = ModelRepository.modelFile(repository: URL(fileURLWithPath: repo, isDirectory: true), name: name, version: version),
              let data = FileManager.default.contents(atPath: file.path) else {
            throw ValidationError("no model \(name)\(version.map { "@\($0)" } ?? "") in \(repo)")
        }
        do {
            return try ModelFileCodec.decode([UInt8](data))
        } catch {
            throw ValidationError("\(file.path): \(error)")
        }
    }
}
