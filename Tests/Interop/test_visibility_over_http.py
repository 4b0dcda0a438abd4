"""Visibility rules a running server must keep on every path: live, on replay, and after a restart.

The oracle is the README's rule for Private SSE: "tweets posted and profiles set while the account
was protected (even after it goes public)" never appear, nor do tweets that retweet, reply to or quote
a tweet that is not public."""
import requests

from conftest import MessageReader, tweet, user


def stream(server, key, last_event_id=None):
    url = f"{server.base}/sse/private?token={server.token(key)}"
    if last_event_id is not None:
        url += f"&last_event_id={last_event_id}"
    return MessageReader(requests.get(url, stream=True, timeout=30), sse=True)


def tweet_ids(reader):
    return [int(m["data"]["id"]) for m in reader.items if m["event"] == "tweet"]


def referring(tid, author, text, **reference):
    t = tweet(tid, text, author)
    t["data"].update(reference)
    return t


def test_what_refers_to_a_tweet_of_a_protected_period_never_reaches_private_sse(start_server):
    alice = user(1, "alice", protected=True)
    bob, carol = user(2, "bob"), user(3, "carol")
    alice_public = user(1, "alice")
    server = start_server()
    key = server.create_key()
    server.publish(key, [alice, bob, carol, {"type": "follow", "data": {"source_id": 3, "target_id": 1}}])
    live = stream(server, key)
    live.wait_for(lambda: any(m["event"] == "status" and m["data"]["status"] == "connected" for m in live.items), "the connected status")
    server.publish(key, [tweet(11, "SECRET of a protected period", alice)])
    # An approved follower retweets it while alice is protected; then alice goes public.
    server.publish(key, [referring(12, carol, "RT @alice: SECRET of a protected period", retweeted_status_id=11)])
    server.publish(key, [alice_public])
    # Once she is public: a retweet, a reply and a quote of the old tweet, then one of her new tweets.
    server.publish(key, [
        referring(13, bob, "RT @alice: SECRET of a protected period", retweeted_status_id=11),
        referring(14, bob, "replying", in_reply_to_status_id=11, in_reply_to_user_id=1),
        referring(15, bob, "quoting", quoted_status_id=11),
        tweet(16, "posted in public", alice_public),
    ])
    expected = [16]
    live.wait_for(lambda: 16 in tweet_ids(live), "alice's public tweet")
    assert tweet_ids(live) == expected
    live.close()

    replay = stream(server, key, last_event_id=0)
    replay.wait_for(lambda: 16 in tweet_ids(replay), "the replayed public tweet")
    assert tweet_ids(replay) == expected
    replay.close()

    # After a restart the server knows the old tweets only from the store.
    server.stop()
    again = start_server()
    key = again.create_key()
    after = stream(again, key, last_event_id=0)
    again.publish(key, [referring(17, bob, "RT @alice: SECRET of a protected period", retweeted_status_id=11),
                        tweet(18, "after the restart", alice_public)])
    after.wait_for(lambda: 18 in tweet_ids(after), "the tweet published after the restart")
    assert tweet_ids(after) == [16, 18]
    after.close()
