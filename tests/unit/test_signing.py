"""Standard Webhooks signing, checked by the spec's reference library (`standardwebhooks`), not by
our own verifier alone: what a receiver's library accepts is the contract."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from chutes_data.errors import ConfigError
from chutes_data.service import signing

PLAIN = "hook-" + "s" * 27
SPEC = "whsec_" + base64.b64encode(b"a 24-byte key, random-ish").decode()
BODY = json.dumps({"id": "d-1", "events": [{"kind": "added", "name": "a|b\n`c`"}]}).encode()


def now() -> int:
    # The library checks against its own clock; we sign at that clock, never sleep.
    return int(time.time())


@pytest.mark.parametrize("secret", [PLAIN, SPEC, SPEC.rstrip("=")])
def test_the_reference_library_verifies_what_we_sign(secret: str):
    sent = signing.headers("d-1", BODY, secret, now())
    assert set(sent) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert sent["webhook-id"] == "d-1" and sent["webhook-signature"].startswith("v1,")
    assert Webhook(signing.receiver_secret(secret)).verify(BODY, sent) == json.loads(BODY)
    assert signing.verify(BODY, sent, secret, now())


def test_a_spec_secret_is_given_to_receivers_unchanged():
    assert signing.receiver_secret(SPEC) == SPEC
    assert signing.receiver_secret(PLAIN) == "whsec_" + base64.b64encode(PLAIN.encode()).decode()
    assert signing.secret_key(PLAIN) == PLAIN.encode()


def test_the_signature_matches_the_library_byte_for_byte():
    ts = 1_765_000_000
    expected = Webhook(SPEC).sign("d-9", datetime.fromtimestamp(ts, UTC), BODY)
    assert signing.sign(SPEC, "d-9", ts, BODY) == expected


@pytest.mark.parametrize("age", [301, 3600, -3600])
def test_an_old_or_future_timestamp_is_refused_as_a_replay(age: int):
    sent = signing.headers("d-1", BODY, PLAIN, now() - age)
    with pytest.raises(WebhookVerificationError, match="too (old|new)"):
        Webhook(signing.receiver_secret(PLAIN)).verify(BODY, sent)
    assert not signing.verify(BODY, sent, PLAIN, now() + 0)


@pytest.mark.parametrize(
    "change",
    [
        {"webhook-id": "d-2"},  # another delivery's id
        {"webhook-timestamp": str(1_765_000_001)},
        {"webhook-signature": "v1," + base64.b64encode(b"x" * 32).decode()},
    ],
)
def test_any_changed_header_fails_verification(change: dict):
    ts = now()
    sent = {**signing.headers("d-1", BODY, PLAIN, ts), **change}
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.receiver_secret(PLAIN)).verify(BODY, sent)
    assert not signing.verify(BODY, sent, PLAIN, ts)


def test_a_changed_body_or_wrong_secret_fails():
    sent = signing.headers("d-1", BODY, PLAIN, now())
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.receiver_secret(PLAIN)).verify(BODY + b" ", sent)
    with pytest.raises(WebhookVerificationError):
        Webhook(SPEC).verify(BODY, sent)


def test_without_a_secret_id_and_timestamp_are_still_sent():
    sent = signing.headers("d-1", BODY, None, 1_765_000_000)
    assert sent == {"webhook-id": "d-1", "webhook-timestamp": "1765000000"}
    assert not signing.verify(BODY, sent, PLAIN, 1_765_000_000)


def test_a_several_signature_header_verifies_on_any_match():
    ts = now()
    sent = signing.headers("d-1", BODY, PLAIN, ts)
    sent["webhook-signature"] = "v1,bm90LWl0 " + sent["webhook-signature"]
    assert signing.verify(BODY, sent, PLAIN, ts)
    Webhook(signing.receiver_secret(PLAIN)).verify(BODY, sent)


@pytest.mark.parametrize("bad", ["whsec_not base64!", "whsec_"])
def test_a_malformed_spec_secret_is_a_clear_config_error(bad: str):
    with pytest.raises(ConfigError, match="CHUTES_WEBHOOK_SECRET"):
        signing.sign(bad, "d", 1, b"")
    assert "CHUTES_WEBHOOK_SECRET" in (signing.secret_problem(bad) or "")
    assert signing.secret_problem(SPEC) is None and signing.secret_problem(PLAIN) is None
