// grove sign: seal an Ed25519 signature of a model's content into its file (who approved it).

import ArgumentParser
import Crypto
import Foundation
import GroveForest
import GroveModelStore
import GroveSystem

struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a model version with an Ed25519 key (made by `grove keys signing-key`).",
        discussion: """
            MODEL_DIR is a version directory (REPO/NAME/VERSION) or a model.grove file. The file is
            rewritten atomically (temporary file, fsync, rename) with the signature sealed in; its
            content is unchanged. A server started with --trusted-signers serves only versions signed
            by a key it lists. Sign before the server loads the version (a loaded version is not
            re-read), e.g. train into a staging repository, sign, then upload with `grove admin upload`
            (the signature is kept) or copy the version directory into the served repository.
            """)

    @Option(help: "The signing key file (private; from `grove keys signing-key`).") var key: String
    @Option(help: "Signer name recorded in the signature (default: the key file's name).") var signer: String?
    @Argument(help: "A version directory (REPO/NAME/VERSION) or a model.grove file.") var modelDir: String

    func run() throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: modelDir, isDirectory: &isDir) else { throw ValidationError("no such file or directory: \(modelDir)") }
        let file = isDir.boolValue ? URL(fileURLWithPath: modelDir).appendingPathComponent(ModelRepository.modelFileName) : URL(fileURLWithPath: modelDir)
        let privateKey = try SigningKeyFile.load(key)
        let bytes = try [UInt8](Data(contentsOf: file))
        let model: TrainedModel
        do { model = try ModelFileCodec.decodeSealed(bytes).model } catch { throw ValidationError("\(file.path): \(error)") }
        let name = signer ?? URL(fileURLWithPath: key).deletingPathExtension().lastPathComponent
        let signature = try ModelSignature.sign(model, key: privateKey, signer: name)
        let sealed = ModelFileCodec.encode(model, signature: signature)
        do { try AtomicFile.replace(file.path, with: sealed) } catch { throw ValidationError("cannot write \(file.path): \(error)") }
        print("signed \(model.name)@\(model.version) as '\(name)' (key sha256 \(signature.keySHA256Hex)); file sha256 \(ModelFileCodec.sha256Hex(sealed))")
    }
}
