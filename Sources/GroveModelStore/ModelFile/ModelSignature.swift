// ModelSignature: an Ed25519 signature of a model's content (who approved it), made and checked.

import Crypto
import GroveForest

/// The signature a sealed model file may carry (model.proto `ModelSealSignature`).
///
/// The signed message is "grove-model-content-v1\n" + `ModelFileCodec.contentDigest(model)`:
/// the SHA-256 of the model file payload with its name and version cleared, so the same
/// signature stays valid when the model is published under another name or version number.
public struct ModelSignature: Equatable, Sendable {
    /// Ed25519 public key, 32 bytes.
    public var publicKey: [UInt8]
    /// Ed25519 signature, 64 bytes.
    public var signature: [UInt8]
    /// The name the signer gave itself (informational).
    public var signer: String

    public init(publicKey: [UInt8], signature: [UInt8], signer: String) {
        self.publicKey = publicKey
        self.signature = signature
        self.signer = signer
    }

    static let domain = Array("grove-model-content-v1\n".utf8)

    /// Signs `model`'s content with `key`.
    public static func sign(_ model: TrainedModel, key: Curve25519.Signing.PrivateKey, signer: String) throws -> ModelSignature {
        let message = domain + ModelFileCodec.contentDigest(model)
        return ModelSignature(publicKey: Array(key.publicKey.rawRepresentation),
                              signature: Array(try key.signature(for: message)), signer: signer)
    }

    /// Whether this is a valid signature of `model`'s content by `publicKey`.
    public func verifies(_ model: TrainedModel) -> Bool {
        guard publicKey.count == 32, signature.count == 64,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: Self.domain + ModelFileCodec.contentDigest(model))
    }

    /// Lower-case hex SHA-256 of the public key (how keys are named in messages and ModelInfo).
    public var keySHA256Hex: String { ModelFileCodec.sha256Hex(publicKey) }
}
