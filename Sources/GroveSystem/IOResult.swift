// IOResult: a non-blocking call's outcome, where "would block" is a value, not an error.

public enum IOResult<T> {
    case processed(T)
    case wouldBlock
}
