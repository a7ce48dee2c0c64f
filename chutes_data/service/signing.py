"""Standard Webhooks signing (standardwebhooks.com), so a receiver verifies with the spec's own
libraries (`standardwebhooks` on PyPI, `svix`, ...) instead of code written for us.

Every attempt is sent with three headers:

* `webhook-id`: the delivery id (the same on every retry: receivers drop duplicates by it);
* `webhook-timestamp`: the attempt's time, whole seconds since the epoch (signed, so a receiver
  refuses a replay once it is older than its tolerance, five minutes in the libraries);
* `webhook-signature`: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` (only with a secret).

The secret (CHUTES_WEBHOOK_SECRET) is either the spec's form, `whsec_<base64 key>`, whose key is
the decoded bytes, or a plain string, whose key is its UTF-8 bytes. Receivers' libraries read an
unprefixed string as base64, so give them `receiver_secret(secret)` (`whsec_` + base64 of the
key), which names the same key in the spec's form.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

from ..errors import ConfigError

PREFIX = "whsec_"
TOLERANCE = 300  # seconds either side of now that `verify` accepts, as the reference libraries do

__all__ = ["PREFIX", "headers", "receiver_secret", "secret_key", "secret_problem", "sign", "verify"]


def secret_key(secret: str) -> bytes:
    """The HMAC key a secret names: a `whsec_` secret's base64 payload, else the string's bytes."""
    if not secret.startswith(PREFIX):
        return secret.encode()
    payload = secret[len(PREFIX) :]
    try:
        key = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(
            "CHUTES_WEBHOOK_SECRET: after `whsec_` comes a base64 key; this is not base64"
        ) from None
    if not key:
        raise ConfigError("CHUTES_WEBHOOK_SECRET: the key after `whsec_` is empty")
    return key


def secret_problem(secret: str) -> str | None:
    """Why `secret` cannot sign, or None (for the settings' warnings)."""
    try:
        secret_key(secret)
    except ConfigError as exc:
        return str(exc)
    return None


def receiver_secret(secret: str) -> str:
    """The same key as `whsec_<base64>`: what to configure in a receiver's library."""
    return PREFIX + base64.b64encode(secret_key(secret)).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`."""
    signed = f"{msg_id}.{int(timestamp)}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(msg_id: str, body: bytes, secret: str | None, timestamp: int) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt (no signature without a secret).
    `timestamp` is the attempt's time (an injected clock: `int(now.timestamp())`)."""
    out = {"webhook-id": msg_id, "webhook-timestamp": str(int(timestamp))}
    if secret:
        out["webhook-signature"] = sign(secret, msg_id, timestamp, body)
    return out


def verify(
    body: bytes, received: Mapping[str, str], secret: str, now: int, tolerance: int = TOLERANCE
) -> bool:
    """What a receiver does (the reference libraries do the same): the three headers present, the
    timestamp within `tolerance` seconds of `now`, and one of the space-separated `v1,` signatures
    equal in constant time. For tests and the test receiver; real receivers use a library."""
    lower = {k.lower(): v for k, v in received.items()}
    msg_id, stamp, signatures = (
        lower.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature")
    )
    if not (msg_id and stamp and signatures):
        return False
    try:
        timestamp = int(stamp)
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, msg_id, timestamp, body).encode()
    return any(hmac.compare_digest(expected, s.encode()) for s in signatures.split(" "))
