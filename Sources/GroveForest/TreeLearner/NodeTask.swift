// NodeTask: a node waiting to be split or made a leaf (the tree builder's stack entry).

/// A node waiting on the builder's stack: its samples `start..<end` in the partition, its
/// out-of-bag rows `oobStart..<oobEnd`, its class weights (or weight and weighted target sum)
/// at `statsOffset` in the stats pool, and its known-constant feature set at `constantOffset`.
struct NodeTask {
    var node: Int
    var start: Int
    var end: Int
    var depth: Int
    var statsOffset: Int
    var constantOffset: Int
    var oobStart: Int
    var oobEnd: Int
}
