// Shared by the harnesses. A broken property is reported like any other crash: libFuzzer catches
// the trap, prints the stack and saves the input as `crash-<sha1>`.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Traps with `message` on stderr unless `condition` holds.
@inline(never)
public func require(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() {
        let text = "\n*** property violated at \(file):\(line): \(message())\n"
        fputs(text, stderr)
        fflush(stderr)
        fatalError("property violated: \(message())", file: file, line: line)
    }
}

/// An escaped rendering of a string for messages (control characters and non-ASCII as \u{…}).
public func escaped(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\"" && scalar != "\\" {
            out.unicodeScalars.append(scalar)
        } else {
            out += "\\u{\(String(scalar.value, radix: 16))}"
        }
    }
    return out + "\""
}

/// Whether two strings are the same code points (String `==` is canonical equivalence, which hides
/// differences a wire format cares about).
public func sameScalars(_ a: String, _ b: String) -> Bool {
    a.unicodeScalars.elementsEqual(b.unicodeScalars)
}

/// Ways to cut `bytes` into chunks, as a network may deliver them: whole; one byte at a time; in
/// chunks of 2, 3 and 7; and in two at a point that depends on the input.
public func chunkings(of bytes: [UInt8]) -> [(name: String, chunks: [ArraySlice<UInt8>])] {
    var result: [(name: String, chunks: [ArraySlice<UInt8>])] = [("whole", [bytes[...]])]
    guard bytes.count > 1 else { return result }
    result.append(("bytewise", bytes.indices.map { bytes[$0..<($0 + 1)] }))
    for size in [2, 3, 7] where size < bytes.count {
        result.append(("by \(size)", stride(from: 0, to: bytes.count, by: size).map { bytes[$0..<min($0 + size, bytes.count)] }))
    }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let cut = 1 + Int(hash % UInt64(bytes.count - 1))
    result.append(("split at \(cut)", [bytes[..<cut], bytes[cut...]]))
    return result
}
