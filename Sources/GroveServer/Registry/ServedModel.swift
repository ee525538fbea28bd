// ServedModel: one loaded, validated model version, ready to answer on any loop.

import Foundation
import GroveWire

final class ServedModel: @unchecked Sendable {
    let info: ModelInfo

    init(info: ModelInfo) {
        self.info = info
    }

    static func load(file: URL, name: String, version: UInt64) -> Result<ServedModel, ModelLoadError> {
        .failure(ModelLoadError("model files are not supported by this build yet"))
    }

    func predict(_ request: PredictRequest) -> Result<PredictResponse, Status> {
        .failure(Status(.unimplemented, "prediction is not available in this build yet"))
    }
}
