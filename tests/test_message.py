"""VoiceMessage: every boundary of the seed's field limits, and the exact body."""

from __future__ import annotations

import dataclasses
import json

import pytest

from itnivoice_nb import VoiceMessage


def make(**kw: object) -> VoiceMessage:
    base: dict[str, object] = {"app_id": "4luaKsL2", "file_id": "f.mp3"}
    base.update(kw)
    return VoiceMessage(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [1, 60, 120, None, "50", 50.0])
def test_max_duration_accepted(value: object) -> None:
    msg = make(max_duration=value)
    assert msg.max_duration in (None, 1, 60, 120, 50)


@pytest.mark.parametrize("value", [0, 121, -1, 50.5, "fifty", True, [5]])
def test_max_duration_refused(value: object) -> None:
    with pytest.raises(ValueError, match=r"^max_duration: .*allowed: a whole number from 1 to 120"):
        make(max_duration=value)


@pytest.mark.parametrize("value", [1, 2, 3])
def test_loop_count_accepted(value: int) -> None:
    assert make(loop_count=value).loop_count == value


def test_loop_count_none_means_default() -> None:
    assert make(loop_count=None).loop_count == 1


@pytest.mark.parametrize("value", [0, 4, 9, 1.5, "x"])
def test_loop_count_refused(value: object) -> None:
    with pytest.raises(ValueError, match=r"^loop_count: .*from 1 to 3"):
        make(loop_count=value)


def test_called_info_limits() -> None:
    assert make(called_info="").called_info == ""
    assert make(called_info="x" * 1000).called_info == "x" * 1000
    with pytest.raises(ValueError, match=r"called_info: 1001 characters is too long"):
        make(called_info="x" * 1001)
    with pytest.raises(ValueError, match="called_info"):
        make(called_info=12)


@pytest.mark.parametrize("field", ["app_id", "file_id"])
@pytest.mark.parametrize("value", ["", "   ", None, 5, " padded "])
def test_required_ids(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=f"^{field}: "):
        make(**{field: value})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1008122211", "1008122211"),
        ("+1 008-122-211", "1008122211"),
        ("1234567", "1234567"),
        ("123456789012345", "123456789012345"),
        (None, None),
        ("", None),
        (1008122211, "1008122211"),
    ],
)
def test_display_num_normalised(value: object, expected: str | None) -> None:
    assert make(display_num=value).display_num == expected


@pytest.mark.parametrize("value", ["123456", "1234567890123456", "call me", "0123456789"])
def test_display_num_refused(value: str) -> None:
    with pytest.raises(ValueError, match=r"^display_num: .*7-15 digits"):
        make(display_num=value)


def test_immutable() -> None:
    msg = make()
    with pytest.raises(dataclasses.FrozenInstanceError):
        msg.loop_count = 2  # type: ignore[misc]


def test_body_matches_the_vendor_sample() -> None:
    msg = VoiceMessage(
        app_id="4luaKsL2",
        file_id="12022022570cc2484c59d4f8b9745d34226285b1e.mp3",
        display_num="1008122211",
        max_duration=50,
        loop_count=2,
        called_info="calledInfo",
    )
    body = json.loads(msg.payload(["91856321412", "91856321300"]))
    assert body == {
        "callee": "91856321412,91856321300",
        "displayNum": "1008122211",
        "fileId": "12022022570cc2484c59d4f8b9745d34226285b1e.mp3",
        "appId": "4luaKsL2",
        "maxDuration": 50,
        "loopCount": 2,
        "calledInfo": "calledInfo",
    }


def test_payload_escapes_called_info_and_keeps_unicode() -> None:
    msg = make(called_info='quote " and ✓ and \\')
    assert json.loads(msg.payload(["1234567"]))["calledInfo"] == 'quote " and ✓ and \\'


def test_body_refuses_too_many_or_no_callees_and_non_digits() -> None:
    msg = make()
    with pytest.raises(ValueError, match="201 numbers"):
        msg.payload(["1234567"] * 201)
    with pytest.raises(ValueError, match="0 numbers"):
        msg.payload([])
    with pytest.raises(ValueError, match="digits only"):
        msg.payload(['123", "x'])
    assert len(json.loads(msg.payload(["1234567"] * 200))["callee"].split(",")) == 200
