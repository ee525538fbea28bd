// grove call: makes one call against a running server and prints the answer.

import ArgumentParser
import Foundation
import GroveClient
import GroveWire

struct Call: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call a running Grove server.",
        discussion: """
        Examples:
          grove call 127.0.0.1:7070 health
          grove call 127.0.0.1:7070 models
          grove call 127.0.0.1:7070 info --model german_credit
          grove call 127.0.0.1:7070 predict --model german_credit@1 --record '{"age_in_years": 35, "housing": "own"}'
          grove call 127.0.0.1:7070 predict --model german_credit:stable --csv rows.csv --json
        Several endpoints (comma separated) give failover.
        """)

    @Argument(help: "Server address HOST:PORT (comma separated for failover).")
    var address: String

    @OptionGroup var options: CallOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "Deadline for the call, in seconds.")
    var timeout: Double = 10

    func run() throws {
        let endpoints = try address.split(separator: ",").map { text -> Endpoint in
            guard let e = Endpoint(String(text)) else { throw ValidationError("bad address '\(text)': want HOST:PORT") }
            return e
        }
        var config = GroveClient.Configuration(endpoints: endpoints)
        config.timeoutSeconds = timeout
        config.apiKey = options.apiKey
        let client = try GroveClient(configuration: config)
        let call = try options.makeCall()
        do {
            let result = try client.call(call, timeoutSeconds: timeout)
            print(json ? ResponseText.json(Response(id: 0, result: result)) : ResponseText.human(result))
        } catch {
            if json {
                let message: String
                if case let .server(status) = error { message = status.message } else { message = error.description }
                print(ResponseText.json(Response.failure(id: 0, Status(error.code, message))))
            } else {
                FileHandle.standardError.write("grove call: \(error)\n".data(using: .utf8)!)
            }
            throw ExitCode(2)
        }
    }
}
