import Foundation
import SluiceCore
import SluiceSimulation
import Testing

@Suite struct SyntheticTrafficTests {
    @Test func everyEventItMakesIsValid() {
        var traffic = SyntheticTraffic(seed: 42, userCount: 40)
        var known = KnownEntities()
        #expect(BatchValidator.validate(traffic.population(), against: &known) == nil)
        var kinds: Set<EventKind> = []
        for index in 0..<5000 {
            let event = traffic.next()
            kinds.insert(event.kind)
            let rejection = BatchValidator.validate([event], against: &known)
            #expect(rejection == nil, "event \(index) (\(event.kind)) refused: \(rejection?.message ?? "")")
            if rejection != nil { break }
        }
        #expect(kinds == Set(EventKind.allCases), "the mix covers every kind")
    }

    @Test func theSameSeedMakesTheSameTraffic() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        var a = SyntheticTraffic(seed: 7, now: now)
        var b = SyntheticTraffic(seed: 7, now: now)
        #expect(a.population() == b.population())
        for _ in 0..<200 { #expect(a.next(at: now) == b.next(at: now)) }
    }

    @Test func tweetsCarryEntitiesAndVariedLanguages() {
        var traffic = SyntheticTraffic(seed: 3)
        _ = traffic.population()
        var hashtags = 0, mentions = 0, urls = 0
        var languages: Set<String> = []
        for _ in 0..<3000 {
            guard case .tweet(let t) = traffic.next() else { continue }
            hashtags += t.entities.hashtags.isEmpty ? 0 : 1
            mentions += t.entities.mentions.isEmpty ? 0 : 1
            urls += t.entities.urls.isEmpty ? 0 : 1
            if let lang = t.lang { languages.insert(lang) }
        }
        #expect(hashtags > 100 && mentions > 100 && urls > 50)
        #expect(languages.count >= 4)
    }

    /// The visibility property tests draw from this generator, so it must make every case their rules
    /// treat: accounts going protected and public again, and replies and quotes of deleted tweets.
    @Test func trafficExercisesProtectionChangesAndReferencesToDeletedTweets() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        var traffic = SyntheticTraffic(seed: 5, userCount: 30, now: now)
        var protected: [Int64: Bool] = [:]
        var deleted: Set<Int64> = []
        var madeProtected = 0, madePublic = 0, repliesToDeleted = 0, quotesOfDeleted = 0
        for event in traffic.population() { if case .userUpdate(let u) = event { protected[u.id] = u.protected } }
        for _ in 0..<5000 {
            switch traffic.next(at: now) {
            case .userUpdate(let u):
                if protected[u.id] == false, u.protected { madeProtected += 1 }
                if protected[u.id] == true, !u.protected { madePublic += 1 }
                protected[u.id] = u.protected
            case .delete(let d): deleted.insert(d.id)
            case .tweet(let t):
                if let id = t.inReplyToStatusID, deleted.contains(id) { repliesToDeleted += 1 }
                if let id = t.quotedStatusID, deleted.contains(id) { quotesOfDeleted += 1 }
                #expect(t.retweetedStatusID.map { !deleted.contains($0) } ?? true, "a retweet names a live tweet")
            default: break
            }
        }
        #expect(madeProtected >= 5 && madePublic >= 5, "\(madeProtected) protected, \(madePublic) made public")
        #expect(repliesToDeleted >= 3 && quotesOfDeleted >= 3, "\(repliesToDeleted) replies, \(quotesOfDeleted) quotes of deleted tweets")
    }
}
