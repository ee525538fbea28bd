// Grove: the command-line entry point; each subcommand lives in its own file.

import ArgumentParser

@main
struct Grove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grove",
        abstract: "Train, evaluate and serve random forests for tabular (credit, trading) data.",
        version: "0.1.0",
        subcommands: [Train.self, Import.self, Export.self, Evaluate.self, Predict.self, Explain.self, Report.self, CrossValidate.self, Serve.self, Call.self, Frame.self, Decode.self, Bench.self, Load.self, Keys.self, Sign.self, Audit.self, Admin.self])
}
