"""Recharge card numbers and secrets: how they are made, how a secret is stored (a keyed hash
only) and how a typed secret is checked.

- A number is 12 digits: 11 random (the first not 0) and a Luhn check digit, so a typo in the
  number is caught before it counts as a wrong guess. Numbers are printed on the card and are
  not secret; they are random so that a batch's numbers do not give away the next ones.
- A secret is 16 digits (about 53 bits). With wrong guesses counted per member and per card
  (card_redemption), guessing one is hopeless. Only HMAC-SHA256(key, number:secret) is stored,
  the key derived from CARD_SECRET_KEY, a setting of its own (not SECRET_KEY, which may be
  rotated): a copy of the database alone cannot test guesses, and only losing CARD_SECRET_KEY
  makes unredeemed cards unredeemable.
- A batch's secrets are derived from a 256-bit random seed that is never stored: the creating
  browser holds it (recharge_cards.create_batch) until it downloads the sheet once, and the
  server rebuilds the secrets from it in that one request.
"""

import base64
import binascii
import hashlib
import hmac
import re
import secrets

from flask import current_app

NUMBER_DIGITS = 12
SECRET_DIGITS = 16
SEED_BYTES = 32
_SEPARATORS = re.compile(r"[\s-]")


def _key() -> bytes:
    card_key = current_app.config["CARD_SECRET_KEY"].encode()
    return hashlib.sha256(b"recharge-card-secret:" + card_key).digest()


def hash_secret(number: str, secret: str) -> str:
    """The stored form of a card's secret: keyed, and bound to its number."""
    return hmac.new(_key(), f"{number}:{secret}".encode(), hashlib.sha256).hexdigest()


def matches(stored_hash: str | None, number: str, secret: str) -> bool:
    """Whether secret is the card's; computed the same way when there is no card (stored_hash
    None), so that an unknown number takes as long as a wrong secret."""
    typed = hash_secret(number, secret)
    return hmac.compare_digest(typed, stored_hash or "0" * 64) and stored_hash is not None


def luhn_digit(digits: str) -> str:
    """The check digit that makes digits + it pass the Luhn test."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # every second digit from the right, the check digit not yet there
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


def well_formed(number: str) -> bool:
    """12 digits whose last is the Luhn check digit of the others."""
    return (
        len(number) == NUMBER_DIGITS
        and number.isascii()
        and number.isdigit()
        and luhn_digit(number[:-1]) == number[-1]
    )


def new_number() -> str:
    body = str(secrets.randbelow(9) + 1) + "".join(
        str(secrets.randbelow(10)) for _ in range(NUMBER_DIGITS - 2)
    )
    return body + luhn_digit(body)


def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def secret_for(seed: bytes, number: str) -> str:
    """The card's 16-digit secret, derived from the batch's seed."""
    digest = hmac.new(seed, f"recharge-card:{number}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**SECRET_DIGITS:0{SECRET_DIGITS}d}"


def seed_text(seed: bytes) -> str:
    return base64.urlsafe_b64encode(seed).decode().rstrip("=")


def seed_from_text(text: str | None) -> bytes | None:
    """The seed a browser sent back, or None if it is not one."""
    if not text or len(text) > 64:
        return None
    try:
        seed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return seed if len(seed) == SEED_BYTES else None


def clean(text: str | None) -> str:
    """A number or secret as typed: spaces and dashes dropped (cards print them in groups)."""
    return _SEPARATORS.sub("", text or "")


def grouped(digits: str) -> str:
    """1234567890123456 -> 1234 5678 9012 3456, as printed."""
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
