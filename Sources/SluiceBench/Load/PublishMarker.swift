/// The timestamp a published message carries so its receiver can measure publish-to-receipt latency:
/// `BENCHTS` followed by wall-clock nanoseconds since 1970. Plain text, so it survives any server's
/// framing (a tweet's text in JSON, an nchan or Pushpin message body) unchanged.
public enum PublishMarker {
    public static let prefix = "BENCHTS"
    private static let prefixBytes = Array(prefix.utf8)

    /// The marker for now.
    public static func make(at nanoseconds: Int64 = ProcessStats.wallNanoseconds()) -> String { prefix + String(nanoseconds) }

    /// The timestamp after the first `BENCHTS` in `line`, if any. Plain loops: this runs for every line
    /// of every connection, and must cost the load generator far less than it costs the server.
    public static func find(in line: UnsafeBufferPointer<UInt8>) -> Int64? {
        let prefix = prefixBytes
        guard line.count > prefix.count else { return nil }
        var start = 0
        let last = line.count - prefix.count
        while start <= last {
            if line[start] == prefix[0], hasPrefix(UnsafeBufferPointer(rebasing: line[start...]), prefix) { break }
            start += 1
        }
        guard start <= last else { return nil }
        var index = start + prefix.count
        var value: Int64 = 0
        let first = index
        while index < line.count, line[index] >= 0x30, line[index] <= 0x39 {
            value = value &* 10 &+ Int64(line[index] - 0x30)
            index += 1
        }
        return index > first ? value : nil
    }

    static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: [UInt8]) -> Bool {
        guard bytes.count >= prefix.count else { return false }
        for i in 0..<prefix.count where bytes[i] != prefix[i] { return false }
        return true
    }
}
