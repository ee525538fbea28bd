// LazyTwinTests: the lazy twins (proto/grove/v1/lazy.proto), RequestShape and RecordScanner read grove.proto's fields as they are.

import GroveWire
import Testing

@Suite struct LazyTwinTests {
    /// Field numbers, labels and wire types of the twins match the real messages' (records aside:
    /// `bytes` for `Record`, both length-delimited); nothing of the real PredictRequest is missing
    /// from its twin; the fields RequestShape and RecordScanner read have their grove.proto numbers.
    @Test func twinsMatchTheRealMessages() {
        #expect(LazyTwin.mismatches() == [])
    }
}
