// SplitCandidate: the best split found so far in a node (the split scanner's running result).

/// The best split of a node found so far: its criterion proxy (larger is better), the
/// feature, and the two neighbouring non-empty bins `b1 < b2` it falls between.
/// `feature < 0` means none yet.
struct SplitCandidate {
    var proxy = -Double.infinity
    var feature = -1
    var b1 = 0
    var b2 = 0
}
