// Ingest bodies: `EventBatchParser.parse` in both formats, then `BatchValidator` on what parsed.
//
// Properties checked besides "no crash, no hang":
// - a rejection names an event index within the batch and says something;
// - `validate` and `resolve` agree, and decide the same with only what `EntityReferences` names
//   looked up (as the store does); a refused batch leaves `KnownEntities` unchanged, an accepted one
//   adds every tweet, profile and message it created; the same batch again is refused if it creates
//   a tweet or a message (duplicate ids);
// - a tweet's embedded user never changes `protected` or `verified` of a known account, and an
//   account whose protection was never stated is protected (deny by default);
// - what the log stores (`encodedData`) decodes back (`StoredEvent.decoded`) and re-encodes to the
//   same bytes, and its timestamps are the ones sent, to the millisecond.

import Foundation
import FuzzSupport
import SluiceCore

/// What the log already holds in the second validation run: users 1–3 (2 protected), tweet 10 by
/// user 1, tweet 11 by user 2 (deleted), direct message 100.
private let populated = KnownEntities(
    profiles: [
        1: User(id: 1, username: "alice", followersCount: 10),
        2: User(id: 2, username: "bob", verified: true, protected: true),
        3: User(id: 3, username: "carol"),
    ],
    tweets: [10: .init(authorID: 1, deleted: false, postedWhileProtected: false), 11: .init(authorID: 2, deleted: true, postedWhileProtected: true)],
    directMessages: [100])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Data(bytes: data, count: size)
    for format in [EventBatchParser.Format.jsonArray, .ndjson] {
        let events: [Event]
        do {
            events = try EventBatchParser.parse(body, format: format)
        } catch {
            require(error.code == .invalidEvent, "parse error with code \(error.code)")
            require(!error.message.isEmpty, "empty rejection message")
            require(error.index >= 0 && error.index <= EventBatchParser.maxEvents, "rejection index \(error.index)")
            continue
        }
        require(!events.isEmpty && events.count <= EventBatchParser.maxEvents, "\(events.count) events accepted")
        for event in events { checkStorage(event) }
        validate(events, against: KnownEntities())
        validate(events, against: populated)
    }
    return 0
}

private func validate(_ events: [Event], against initial: KnownEntities) {
    // The store looks up only what `EntityReferences` names: that must decide the same.
    let references = EntityReferences(of: events)
    var prefetched = KnownEntities(
        profiles: initial.profiles.filter { references.userIDs.contains($0.key) },
        tweets: initial.tweets.filter { references.tweetIDs.contains($0.key) },
        directMessages: initial.directMessages.intersection(references.directMessageIDs))
    let fromPrefetched = BatchValidator.resolve(events, against: &prefetched)

    var forValidate = initial
    let rejection = BatchValidator.validate(events, against: &forValidate)
    var known = initial
    let result = BatchValidator.resolve(events, against: &known)
    require(forValidate == known, "validate and resolve leave different KnownEntities")
    require(fromPrefetched == result, "with only the EntityReferences looked up: \(fromPrefetched), with all: \(result)")
    switch result {
    case .failure(let r):
        require(rejection == r, "validate says \(String(describing: rejection)), resolve says \(r)")
        require(known == initial, "a refused batch changed KnownEntities")
        require(r.index >= 0 && r.index < events.count, "rejection index \(r.index) of \(events.count) events")
        require(!r.message.isEmpty, "empty rejection message")
    case .success(let resolved):
        require(rejection == nil, "validate refused what resolve accepted: \(String(describing: rejection))")
        require(resolved.count == events.count, "\(events.count) events resolved to \(resolved.count)")
        checkProfiles(events, resolved, initial: initial, final: known)
        var again = known
        let createsIDs = events.contains { if case .tweet = $0 { true } else if case .directMessage = $0 { true } else { false } }
        if createsIDs {
            require(BatchValidator.validate(events, against: &again) != nil, "the same batch was accepted twice")
            require(again == known, "a refused batch changed KnownEntities")
        }
        for event in resolved { checkStorage(event) }
    }
}

/// Deny by default, and a tweet's embedded user cannot change who may see what.
private func checkProfiles(_ events: [Event], _ resolved: [Event], initial: KnownEntities, final: KnownEntities) {
    var guarded: [Int64: (protected: Bool, verified: Bool, username: String)] = [:]
    for (id, user) in initial.profiles { guarded[id] = (user.protected, user.verified, user.username) }
    for (original, event) in zip(events, resolved) {
        require(original.kind == event.kind, "resolve changed an event's kind")
        switch (original, event) {
        case (.tweet(let before), .tweet(let after)):
            require(final.tweets[after.id] != nil, "tweet \(after.id) not in KnownEntities")
            require(final.profiles[after.user.id] != nil, "author \(after.user.id) not in KnownEntities")
            if let current = guarded[after.user.id] {
                require(
                    after.user.protected == current.protected && after.user.verified == current.verified,
                    "a tweet's embedded user changed protected/verified of known user \(after.user.id)")
                require(after.user.username == current.username, "a tweet's embedded user renamed known user \(after.user.id)")
            } else {
                if !before.user.stated.contains(.protected) {
                    require(after.user.protected, "new user \(after.user.id) without stated protection is not protected")
                }
                guarded[after.user.id] = (after.user.protected, after.user.verified, after.user.username)
            }
        case (.userUpdate(let before), .userUpdate(let after)):
            require(final.profiles[after.id] != nil, "user \(after.id) not in KnownEntities")
            if guarded[after.id] == nil, !before.stated.contains(.protected) {
                require(after.protected, "new user \(after.id) without stated protection is not protected")
            }
            require(after.username == before.username, "user_update did not take the username")
            guarded[after.id] = (after.protected, after.verified, after.username)
        case (.directMessage(let m), _):
            require(final.directMessages.contains(m.id), "direct message \(m.id) not in KnownEntities")
        default:
            break
        }
    }
}

/// The dates an event carries.
private func dates(_ event: Event) -> [Date] {
    switch event {
    case .tweet(let t): [t.createdAt] + (t.user.createdAt.map { [$0] } ?? [])
    case .userUpdate(let u): u.createdAt.map { [$0] } ?? []
    case .directMessage(let m): [m.createdAt]
    default: []
    }
}

/// What the log stores must read back, and re-encode to the same bytes; a timestamp is stored to the
/// nearest millisecond.
private func checkStorage(_ event: Event) {
    for date in dates(event) {
        let text = Timestamp.format(date)
        let back = Timestamp.parse(text)
        require(back != nil, "Timestamp.format wrote \(escaped(text)), which Timestamp.parse refuses")
        require(
            abs(back!.timeIntervalSince(date)) <= 0.000_51,
            "\(date.timeIntervalSince1970) s since 1970 is stored as \(escaped(text)), \(back!.timeIntervalSince(date)) s off")
    }
    let stored: String
    do {
        stored = try event.encodedData()
    } catch {
        require(false, "encodedData() threw \(error) for \(event)")
        return
    }
    let row = StoredEvent(sequence: 1, kind: event.kind, data: stored, acceptedAt: Date(timeIntervalSince1970: 0))
    let decoded: Event
    do {
        decoded = try row.decoded()
    } catch {
        require(false, "the log cannot decode what it stored: \(escaped(stored)): \(error)")
        return
    }
    require(decoded.kind == event.kind, "stored \(event.kind) decoded as \(decoded.kind)")
    let again = try? decoded.encodedData()
    require(
        again.map { sameScalars($0, stored) } ?? false,
        "stored data does not round-trip: \(escaped(stored)) -> \(again.map(escaped) ?? "throws")")
}
