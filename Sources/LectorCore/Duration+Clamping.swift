/// Conversions of numbers that come from outside (an engine's header, an environment variable, a query
/// parameter, a PDF) into fixed-width types, without traps.
///
/// `Int64(x)` traps for `inf`, `nan` and anything beyond the type's range: a single hostile header would
/// take the whole worker down. These never trap.
extension Duration {
    /// `seconds` as a duration (whole milliseconds, rounded up), clamped to `range`; nil for NaN.
    ///
    /// `inf` and `1e999` become the upper bound, negative numbers the lower bound.
    /// - Precondition: `range` is finite and within ±1e12 seconds.
    public static func seconds(clamping seconds: Double, to range: ClosedRange<Double>) -> Duration? {
        precondition(range.lowerBound.isFinite && range.upperBound.isFinite && range.upperBound <= 1e12 && range.lowerBound >= -1e12)
        guard !seconds.isNaN else { return nil }
        let clamped = Swift.min(Swift.max(seconds, range.lowerBound), range.upperBound)
        return .milliseconds(Int64((clamped * 1000).rounded(.up)))
    }

    /// This duration in seconds, as a `Double` (never traps).
    /// The duration in whole milliseconds (truncated), saturating at the bounds of `Int64`.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000_000).partialValue
    }

    /// The duration in whole nanoseconds (truncated), saturating at the bounds of `Int64` (for metrics
    /// timers, which take nanoseconds).
    public var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflowSum) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowSum ? (seconds < 0 ? .min : .max) : sum
    }

    public var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension FixedWidthInteger {
    /// The integer part of `value`, saturated at the type's bounds (`inf` is `max`, `-inf` is `min`);
    /// nil for NaN.
    public init?(saturating value: Double) {
        guard !value.isNaN else { return nil }
        if value >= Double(Self.max) {
            self = Self.max
        } else if value <= Double(Self.min) {
            self = Self.min
        } else {
            // Strictly inside the bounds (Double(max) rounds up for 64-bit types): exact after truncation.
            self = Self(value.rounded(.towardZero))
        }
    }
}
