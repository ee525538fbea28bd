// LoopCounters: what one event loop counted: requests by call and status code, rejected frames,
// refused connections. Only its loop writes them; Stats and metrics sum every loop's.

import GroveWire

final class LoopCounters: Sendable {
    private static let codes = StatusCode.allCases.count
    /// [call][code]
    private let requests = SingleWriterCounters(count: CallKind.allCases.count * LoopCounters.codes)
    private let frames = SingleWriterCounters(count: FrameRejection.allCases.count)
    /// [0]: connections refused at --max-connections.
    private let other = SingleWriterCounters(count: 1)

    /// One answered request. Loop thread only.
    func record(_ call: CallKind, _ code: StatusCode) {
        requests.add(call.rawValue * LoopCounters.codes + Int(code.rawValue))
    }

    func rejected(_ reason: FrameRejection) { frames.add(reason.rawValue) }
    func refusedConnection() { other.add(0) }

    func requests(_ call: CallKind, _ code: StatusCode) -> UInt64 {
        requests.load(call.rawValue * LoopCounters.codes + Int(code.rawValue))
    }

    func rejections(_ reason: FrameRejection) -> UInt64 { frames.load(reason.rawValue) }
    var refusedConnections: UInt64 { other.load(0) }

    /// Answered requests (every call and code), for Stats.
    var requestsTotal: UInt64 { (0..<requests.count).reduce(0) { $0 &+ requests.load($1) } }
    /// Answers that were not OK, framing errors and refused connections, for Stats.
    var errorsTotal: UInt64 {
        var n: UInt64 = 0
        for call in CallKind.allCases { for code in StatusCode.allCases where code != .ok { n &+= requests(call, code) } }
        // Undecodable bodies are already counted above (as call "unknown"); framing errors are not.
        return n &+ rejections(.empty) &+ rejections(.tooLarge) &+ refusedConnections
    }
}
