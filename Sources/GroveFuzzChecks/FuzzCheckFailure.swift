// FuzzCheckFailure: a property a fuzz check found broken (the input must be kept as a regression).

/// Thrown by a `FuzzChecks` function when the code under test did something it promises never to
/// do on any input (a decoded value that does not round-trip, a validated model that cannot be
/// compiled, a ragged table). Decoding errors are not failures: refusing bad bytes is the contract.
public struct FuzzCheckFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
