// Keyring: checks a request's API key in constant time and says which key and role it is.

import Crypto
import GroveModelStore

/// An immutable set of key hashes. `authenticate` hashes the presented key and
/// compares it with every stored hash without early exit, so the time taken
/// does not depend on which key (or how much of one) matched.
public final class Keyring: Sendable {
    public let file: KeyFile

    public init(file: KeyFile) { self.file = file }

    public struct Identity: Sendable, Equatable {
        public let id: String
        public let role: Role
    }

    /// The identity of `key`, or nil when it matches no stored key.
    public func authenticate(_ key: String) -> Identity? {
        guard !key.isEmpty, key.utf8.count <= 1024 else { return nil }
        let digest = Array(SHA256.hash(data: Array(key.utf8)))
        var match = -1
        for (i, e) in file.entries.enumerated() {
            var diff: UInt8 = 0
            for j in 0..<32 { diff |= e.hash[j] ^ digest[j] }
            // Branch-free select: keep the first match, touch every entry.
            let isMatch = diff == 0 && match < 0
            match = isMatch ? i : match
        }
        guard match >= 0 else { return nil }
        let e = file.entries[match]
        return Identity(id: e.id, role: e.role)
    }

    /// Whether `role` may make a call named `call` (Request.Call.name). Every role may call
    /// Health: a client probes an endpoint with its own key before sending it calls again.
    public static func allows(_ role: Role, call: String) -> Bool {
        switch role {
        case .admin: return true
        case .read: return ["health", "list_models", "model_info", "stats"].contains(call)
        case .predict: return call == "predict" || call == "explain" || call == "health"
        }
    }

    /// Whether a call named `call` is answered without a key: Health only, because a load
    /// balancer's check cannot easily carry one, and Health tells only whether the server serves
    /// and why, how many versions are available, its version and uptime. A key sent with it is
    /// still checked (an unknown key is UNAUTHENTICATED).
    public static func answersWithoutKey(_ call: String) -> Bool {
        call == "health"
    }
}
