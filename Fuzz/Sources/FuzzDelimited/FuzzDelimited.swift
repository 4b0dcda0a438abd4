// Twitter's streaming wire format: `DelimitedParser.feed`, plain (`\r\n`-terminated messages) and with
// `delimited=length`, the input being the stream's bytes.
//
// Properties checked besides "no crash, no hang":
// - the messages and keep-alive count do not depend on how the stream is cut into chunks, and a stream
//   that fails whole fails however it is cut (and the other way round);
// - plain: the messages are the stream's complete non-empty lines (one CR before the LF dropped),
//   and every empty line is a keep-alive;
// - with lengths: a message is what its length covers less the CRLF it must end with.

import FuzzSupport
import SluiceClient

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for lengthPrefixed in [false, true] {
        var outcomes: [(name: String, outcome: Outcome)] = []
        for (name, chunks) in chunkings(of: bytes) {
            var parser = DelimitedParser(lengthPrefixed: lengthPrefixed)
            var outcome = Outcome()
            for chunk in chunks {
                do {
                    outcome.messages += try parser.feed(chunk)
                } catch {
                    outcome.failed = true
                    break
                }
            }
            outcome.keepalives = parser.keepalives
            outcomes.append((name, outcome))
        }
        let whole = outcomes[0].outcome
        let mode = lengthPrefixed ? "length-prefixed" : "plain"
        for (name, outcome) in outcomes.dropFirst() {
            require(outcome.failed == whole.failed, "\(mode), fed \(name): \(outcome) but fed whole: \(whole)")
            // A failing feed drops the messages it had completed, so only successes compare in full.
            if !whole.failed {
                require(outcome == whole, "\(mode), fed \(name): \(outcome) but fed whole: \(whole)")
            }
        }
        let expected = lengthPrefixed ? referenceLength(bytes) : referencePlain(bytes)
        if !whole.failed || !expected.failed {
            require(whole == expected, "\(mode): parser \(whole), expected \(expected)")
        }
    }
    return 0
}

struct Outcome: Equatable, CustomStringConvertible {
    var messages: [String] = []
    var keepalives = 0
    var failed = false

    static func == (a: Outcome, b: Outcome) -> Bool {
        a.failed == b.failed && a.keepalives == b.keepalives && a.messages.count == b.messages.count
            && zip(a.messages, b.messages).allSatisfy { sameScalars($0, $1) }
    }

    var description: String {
        "\(failed ? "failed after " : "")\(messages.count) messages [\(messages.map(escaped).joined(separator: ", "))], \(keepalives) keep-alives"
    }
}

private func line(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    bytes.last == 13 ? bytes.dropLast() : bytes
}

func referencePlain(_ bytes: [UInt8]) -> Outcome {
    var outcome = Outcome()
    var lines = bytes.split(separator: 10, omittingEmptySubsequences: false)
    lines.removeLast()  // not terminated
    for raw in lines {
        let text = line(raw)
        if text.isEmpty { outcome.keepalives += 1 } else { outcome.messages.append(String(decoding: text, as: UTF8.self)) }
    }
    return outcome
}

func referenceLength(_ bytes: [UInt8]) -> Outcome {
    var outcome = Outcome()
    var rest = bytes[...]
    while let newline = rest.firstIndex(of: 10) {
        let text = line(rest[..<newline])
        rest = rest[(newline + 1)...]
        if text.isEmpty {
            outcome.keepalives += 1
            continue
        }
        guard let length = Int(String(decoding: text, as: UTF8.self)), length >= 2 else {
            outcome.failed = true
            return outcome
        }
        guard rest.count >= length else { return outcome }
        let message = rest.prefix(length)
        guard message.suffix(2).elementsEqual([13, 10]) else {
            outcome.failed = true
            return outcome
        }
        outcome.messages.append(String(decoding: message.dropLast(2), as: UTF8.self))
        rest = rest.dropFirst(length)
    }
    return outcome
}
