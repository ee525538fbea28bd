// grove frame / grove decode: request frames to stdout, response frames from stdin.

import ArgumentParser
import Foundation
import GroveWire

struct Frame: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frame",
        abstract: "Write a request frame (length prefix included) to stdout, for nc and replay tools.",
        discussion: """
        Example:
          grove frame predict --model german_credit --features 6,1169,4,... | nc -N 127.0.0.1 7070 | grove decode
        """)

    @OptionGroup var options: CallOptions

    @Option(help: "Request id.")
    var id: UInt64 = 1

    @Flag(help: "Print the frame as hex instead of raw bytes.")
    var hex = false

    func run() throws {
        let frame = Request(id: id, apiKey: options.apiKey, call: try options.makeCall()).framed()
        if hex {
            print(frame.map { String(format: "%02x", $0) }.joined())
        } else {
            FileHandle.standardOutput.write(Data(frame))
        }
    }
}

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Read response frames from stdin and print them.")

    @Flag(help: "Print one JSON object per response.")
    var json = false

    @Flag(help: "Read request frames instead of responses.")
    var requests = false

    func run() throws {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        var bytes = [UInt8](data)
        let decoder = FrameDecoder(limits: FrameLimits(maxFrameBytes: FrameLimits.absoluteMaxFrameBytes))
        var count = 0
        while !bytes.isEmpty {
            switch decoder.decode(bytes) {
            case .needMoreData:
                throw ValidationError("input ends inside a frame (\(bytes.count) bytes left over)")
            case let .error(e):
                throw ValidationError("bad frame: \(e)")
            case let .frame(body):
                let payload = Array(bytes[body])
                if requests {
                    let r = try Request(decoding: payload)
                    print("request id=\(r.id) call=\(r.call?.name ?? "unknown")")
                } else {
                    let r = try Response(decoding: payload)
                    if json {
                        print(ResponseText.json(r))
                    } else {
                        print("response id=\(r.id) status=\(r.status)")
                        if let result = r.result { print(ResponseText.human(result)) }
                    }
                }
                bytes.removeFirst(body.upperBound)
                count += 1
            }
        }
        if count == 0 { throw ValidationError("no frame on stdin") }
    }
}
