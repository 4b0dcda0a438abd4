import SluiceCore
import SluiceTestSupport
import Testing

@Suite struct BatchValidatorTests {
    let alice = Fixtures.user(1, "alice")
    let bob = Fixtures.user(2, "bob")

    static func profiles(_ ids: Int64...) -> [Int64: User] {
        Dictionary(uniqueKeysWithValues: ids.map { ($0, Fixtures.user($0)) })
    }

    @Test func aBatchMayReferToWhatItCreates() {
        var known = KnownEntities()
        #expect(BatchValidator.validate(Fixtures.everyKind(), against: &known) == nil)
        #expect(known.users.count == 2)
        #expect(known.tweets[1002]?.deleted == true)
    }

    @Test func unknownReferencesAreRefusedAndStateIsUnchanged() {
        var known = KnownEntities(profiles: Self.profiles(1))
        let before = known
        let rejection = BatchValidator.validate(
            [.tweet(Fixtures.tweet(10, by: alice)), .follow(.init(sourceID: 1, targetID: 99))], against: &known)
        #expect(rejection == BatchRejection(index: 1, code: .unknownReference, message: "data.target_id: unknown user 99"))
        #expect(known == before)
    }

    @Test func duplicateTweetIdsAreRefused() {
        var known = KnownEntities(profiles: Self.profiles(1), tweets: [10: .init(authorID: 1, deleted: false, postedWhileProtected: false)])
        #expect(BatchValidator.validate([.tweet(Fixtures.tweet(10, by: alice))], against: &known)?.code == .duplicateID)
        var fresh = KnownEntities()
        let twice = [Event.tweet(Fixtures.tweet(11, by: alice)), .tweet(Fixtures.tweet(11, by: alice))]
        #expect(
            BatchValidator.validate(twice, against: &fresh)
                == BatchRejection(index: 1, code: .duplicateID, message: "data.id: tweet 11 already exists"))
    }

    @Test func deletesMustComeFromTheAuthorAndOnlyOnce() {
        var known = KnownEntities(profiles: Self.profiles(1, 2), tweets: [10: .init(authorID: 1, deleted: false, postedWhileProtected: false)])
        #expect(BatchValidator.validate([.delete(.init(id: 10, userID: 2))], against: &known)?.code == .invalidReference)
        #expect(BatchValidator.validate([.delete(.init(id: 10, userID: 1))], against: &known) == nil)
        #expect(BatchValidator.validate([.delete(.init(id: 10, userID: 1))], against: &known)?.code == .invalidReference)
        #expect(BatchValidator.validate([.favorite(.init(sourceID: 2, tweetID: 10))], against: &known)?.code == .invalidReference)
        #expect(BatchValidator.validate([.delete(.init(id: 77, userID: 1))], against: &known)?.code == .unknownReference)
    }

    @Test func repliesMustReferToKnownTweetsAndUsers() {
        var known = KnownEntities(profiles: Self.profiles(1))
        var reply = Fixtures.tweet(20, by: alice)
        reply.inReplyToStatusID = 19
        #expect(BatchValidator.validate([.tweet(reply)], against: &known)?.message == "data.in_reply_to_status_id: unknown tweet 19")
        reply.inReplyToStatusID = nil
        reply.inReplyToUserID = 55
        #expect(BatchValidator.validate([.tweet(reply)], against: &known)?.message == "data.in_reply_to_user_id: unknown user 55")
    }

    @Test func directMessagesNeedBothUsersAndAFreshId() {
        var known = KnownEntities(profiles: Self.profiles(1, 2))
        let dm = DirectMessage(id: 5, senderID: 1, recipientID: 2, text: "hi", createdAt: Fixtures.created)
        #expect(BatchValidator.validate([.directMessage(dm)], against: &known) == nil)
        #expect(BatchValidator.validate([.directMessage(dm)], against: &known)?.code == .duplicateID)
        var stranger = dm
        stranger.id = 6
        stranger.recipientID = 3
        #expect(BatchValidator.validate([.directMessage(stranger)], against: &known)?.code == .unknownReference)
    }

    @Test func graphChangesFoldInOrder() {
        let changes = GraphChanges(folding: [
            .follow(.init(sourceID: 1, targetID: 2)), .follow(.init(sourceID: 2, targetID: 1)),
            .follow(.init(sourceID: 3, targetID: 1)), .unfollow(.init(sourceID: 3, targetID: 1)),
            .block(.init(sourceID: 1, targetID: 2)), .unblock(.init(sourceID: 1, targetID: 2)),
            .follow(.init(sourceID: 1, targetID: 2)),
        ])
        #expect(changes.follows[.init(1, 2)] == true)
        #expect(changes.follows[.init(2, 1)] == false)
        #expect(changes.follows[.init(3, 1)] == false)
        #expect(changes.blocks[.init(1, 2)] == false)
    }
}
