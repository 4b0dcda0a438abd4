import Foundation
import SluiceCore
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
}
