"""Secrets and join codes: unguessable, readable off a projector, stored only as hashes."""

from __future__ import annotations

import re
import string

import pytest

from workshop.core import security

LOOK_ALIKES = set("0O1IL")


def test_the_code_alphabet_has_no_look_alike_characters() -> None:
    alphabet = set(security.CODE_ALPHABET)
    assert len(alphabet) == len(security.CODE_ALPHABET)
    assert alphabet <= set(string.ascii_uppercase + string.digits)
    assert not alphabet & LOOK_ALIKES
    # Everything else that is unambiguous is kept, so codes stay hard to guess.
    assert alphabet == set(string.ascii_uppercase + string.digits) - LOOK_ALIKES


def test_join_codes_are_six_characters_from_the_alphabet() -> None:
    codes = [security.new_join_code() for _ in range(300)]
    for code in codes:
        assert len(code) == 6
        assert set(code) <= set(security.CODE_ALPHABET)
    assert len(set(codes)) > 290
    # 1800 random characters use the whole alphabet (missing one has odds below 1e-24).
    assert set("".join(codes)) == set(security.CODE_ALPHABET)


def test_a_join_code_survives_normalisation() -> None:
    for _ in range(50):
        code = security.new_join_code()
        assert security.normalise_code(code) == code
        assert security.normalise_code(code.lower()) == code


@pytest.mark.parametrize(
    "typed",
    ["K7MPQ2", "k7mpq2", "K7m-pQ2", " k7 mpq2 ", "K7-MP-Q2", "k 7 - m p - q 2", "--K7MPQ2--"],
)
def test_normalise_code_ignores_case_spaces_and_dashes(typed: str) -> None:
    assert security.normalise_code(typed) == "K7MPQ2"


@pytest.mark.parametrize(("typed", "normalised"), [("", ""), (" - ", ""), ("k7mpq", "K7MPQ")])
def test_normalise_code_does_not_invent_characters(typed: str, normalised: str) -> None:
    assert security.normalise_code(typed) == normalised


def test_secrets_carry_at_least_128_bits_and_are_url_safe() -> None:
    for _ in range(100):
        secret = security.new_secret()
        assert re.fullmatch(r"[A-Za-z0-9_-]+", secret), secret
        # URL-safe base64: six bits a character.
        assert len(secret) * 6 >= 128
        assert len(secret) * 6 >= 192  # what docs/api.md promises


def test_secrets_differ_on_every_call() -> None:
    secrets = {security.new_secret() for _ in range(500)}
    assert len(secrets) == 500


def test_hash_secret_is_sha256_hex() -> None:
    # The NIST test vector for SHA-256("abc").
    assert (
        security.hash_secret("abc")
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_hash_secret_never_stores_the_secret() -> None:
    secret = security.new_secret()
    digest = security.hash_secret(secret)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest != secret and secret not in digest
    assert security.hash_secret(secret) == digest
    assert security.hash_secret(secret + "x") != digest


def test_hash_secret_handles_non_ascii_text() -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", security.hash_secret("clé-🔑"))
    assert security.hash_secret("clé") != security.hash_secret("cle")


def test_workshop_ids_are_16_hex_characters_and_unique() -> None:
    ids = {security.new_workshop_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"[0-9a-f]{16}", workshop_id) for workshop_id in ids)
