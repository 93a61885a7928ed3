"""Signing: the vendor's worked example, and a fresh signature per attempt."""

from __future__ import annotations

import hashlib

from itnivoice_nb._signing import sign, signed_headers


def test_vendor_worked_example() -> None:
    assert sign("bDqJFiq9", "7bz1lzh9", "1630468800") == "05d7a50893e22a5c4bb3216ae3396c7c"


def test_headers_carry_key_timestamp_and_sign() -> None:
    headers = signed_headers("bDqJFiq9", "7bz1lzh9", now=1630468800.9)
    assert headers == {
        "Content-Type": "application/json;charset=UTF-8",
        "Sign": "05d7a50893e22a5c4bb3216ae3396c7c",
        "Timestamp": "1630468800",
        "Api-Key": "bDqJFiq9",
    }


def test_each_timestamp_signs_afresh() -> None:
    a = signed_headers("k", "s", now=1_700_000_000)
    b = signed_headers("k", "s", now=1_700_000_001)
    assert a["Sign"] != b["Sign"]
    assert b["Sign"] == hashlib.md5(b"ks1700000001").hexdigest()
    assert "s" not in (a["Api-Key"], a["Timestamp"])
