import Foundation

extension Duration {
    /// Whole microseconds (truncated).
    public var wholeMicroseconds: Int { Int(components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000) }
    /// Whole milliseconds (truncated), e.g. for poll().
    var wholeMilliseconds: Int { Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000) }
    /// Seconds as a Double, e.g. for Thread.sleep.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
