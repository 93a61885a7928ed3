"""VoiceClient: configuration, secrecy, every status code and malformed answers, over real HTTP."""

from __future__ import annotations

import json
import logging
import pickle

import pytest

import itnivoice_nb as iv
from itnivoice_nb import _errors as errors
from tests.scripted import free_port, scripted

MSG = iv.VoiceMessage(app_id="4luaKsL2", file_id="f.mp3")
OK = json.dumps(
    {
        "status": "0",
        "reason": "success",
        "data": [
            {
                "voiceId": "22030311340110001",
                "callee": "91856321412",
                "terminationCode": "0",
                "terminationReason": "success",
            }
        ],
    }
)
SECRET = "s3cr3t-value-XYZ"


def client(base_url: str, **kw: object) -> iv.VoiceClient:
    return iv.VoiceClient(api_key="key1", api_secret=SECRET, base_url=base_url, **kw)  # type: ignore[arg-type]


def test_missing_credentials_say_how(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ITNIOTECH_API_KEY", raising=False)
    monkeypatch.delenv("ITNIOTECH_API_SECRET", raising=False)
    with pytest.raises(iv.ConfigurationError, match="ITNIOTECH_API_KEY.*ITNIOTECH_API_SECRET"):
        iv.VoiceClient()


def test_environment_supplies_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITNIOTECH_API_KEY", "envkey")
    monkeypatch.setenv("ITNIOTECH_API_SECRET", SECRET)
    monkeypatch.setenv("ITNIOTECH_BASE_URL", "http://127.0.0.1:1/voice")
    c = iv.VoiceClient()
    assert (c.api_key, c.base_url) == ("envkey", "http://127.0.0.1:1/voice")
    monkeypatch.delenv("ITNIOTECH_BASE_URL")
    assert iv.VoiceClient().base_url == "https://api.itniotech.com/voice"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x/voice",
        "http://api.itniotech.com/voice",
        "nonsense",
        "https://user:pw@api.itniotech.com/voice",
    ],
)
def test_bad_base_urls(url: str) -> None:
    with pytest.raises(iv.ConfigurationError):
        client(url)


def test_secret_never_in_repr_str_or_pickle() -> None:
    c = client("http://127.0.0.1:1/voice")
    assert SECRET not in repr(c) and SECRET not in str(c)
    assert SECRET not in repr(vars(c))
    with pytest.raises(TypeError):
        pickle.dumps(c)


def test_balance_url_derives_from_host() -> None:
    assert client("http://127.0.0.1:5/voice").balance_url == "http://127.0.0.1:5/sms/getBalance"
    assert iv.VoiceClient(api_key="k", api_secret="s").balance_url == (
        "https://api.itniotech.com/sms/getBalance"
    )


def test_request_is_signed_and_shaped() -> None:
    with scripted((200, OK, {})) as (url, script):
        answer = client(url).send_group(["91856321412"], MSG)
    assert answer.status == "0" and answer.items[0].voice_id == "22030311340110001"
    seen = script.requests[0]
    assert seen.path == "/voice/sendGroup" and seen.method == "POST"
    assert seen.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert seen.headers["Api-Key"] == "key1"
    assert seen.headers["Sign"] == iv.sign("key1", SECRET, seen.headers["Timestamp"])
    assert json.loads(seen.body)["callee"] == "91856321412"


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("-1", iv.AuthenticationError),
        ("-2", iv.RestrictedIPError),
        ("-10", iv.InsufficientBalanceError),
        ("-16", iv.TimestampExpiredError),
        ("-18", iv.PortProgramError),
        ("-22", iv.ParameterError),
        ("-26", iv.FeeError),
        ("-13", iv.UserLockedError),
        ("-99", iv.ApiError),
    ],
)
def test_every_status_code_has_a_named_error(code: str, cls: type[iv.ApiError]) -> None:
    body = json.dumps({"status": code, "reason": "the reason text", "data": []})
    with scripted((200, body, {})) as (url, _), pytest.raises(cls) as info:
        client(url).send_group(["91856321412"], MSG)
    err = info.value
    assert type(err) is cls
    assert err.code == code and err.reason == "the reason text" and err.http_status == 200
    assert code in str(err) and SECRET not in str(err)


def test_integer_status_is_understood() -> None:
    with scripted((200, OK.replace('"status": "0"', '"status": 0'), {})) as (url, _):
        assert client(url).send_group(["91856321412"], MSG).status == "0"


@pytest.mark.parametrize(
    ("reply", "fragment"),
    [
        ((502, "<html><body>Bad Gateway</body></html>", {}), "HTTP 502"),
        ((200, "<html>maintenance</html>", {}), "not JSON"),
        ((200, OK[: len(OK) // 2], {}), "not JSON"),
        ((200, '{"reason":"x"}', {}), "no 'status'"),
        ((200, '{"status":"0","reason":"ok"}', {}), "no 'data' list"),
        ((200, '{"status":"0","data":[1,2]}', {}), "not an object"),
        ((200, "[1,2]", {}), "not an object"),
    ],
)
def test_malformed_answers_are_clear(reply: tuple[int, str, dict[str, str]], fragment: str) -> None:
    with scripted(reply) as (url, _):
        with pytest.raises(iv.BadResponseError, match=fragment) as info:
            client(url).send_group(["91856321412"], MSG)
    assert info.value.http_status == reply[0]
    assert "HTTP" in str(info.value)


def test_connection_refused_is_a_connect_error() -> None:
    c = client(f"http://127.0.0.1:{free_port()}/voice")
    with pytest.raises(iv.ConnectError) as info:
        c.send_group(["91856321412"], MSG)
    assert info.value.may_have_reached is False


def test_drop_after_request_may_have_reached() -> None:
    with scripted("drop") as (url, script), pytest.raises(iv.ResponseLostError) as info:
        client(url).send_group(["91856321412"], MSG)
    assert info.value.may_have_reached is True and len(script.requests) == 1


def test_read_timeout_may_have_reached() -> None:
    with scripted("hang") as (url, script):
        script.hang_seconds = 1.5
        with pytest.raises(iv.ResponseLostError, match="within 0.5 s"):
            client(url, timeout=(2.0, 0.5)).send_group(["91856321412"], MSG)


def test_truncated_body_with_longer_content_length() -> None:
    reply = (200, OK[:40], {"Content-Length": str(len(OK))})
    with scripted(reply) as (url, _):
        with pytest.raises((iv.ResponseLostError, iv.BadResponseError)):
            client(url).send_group(["91856321412"], MSG)


def test_secret_not_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with scripted((200, OK, {})) as (url, script):
        client(url).send_group(["91856321412"], MSG)
    sign = script.requests[0].headers["Sign"]
    assert SECRET not in caplog.text and sign not in caplog.text


def test_raw_answer_keeps_status_without_raising() -> None:
    body = json.dumps({"status": "-10", "reason": "no money"})
    with scripted((200, body, {})) as (url, _):
        answer = client(url).send_group_raw(["91856321412"], MSG)
    assert (answer.status, answer.reason, answer.items) == ("-10", "no money", ())


def test_error_hierarchy() -> None:
    assert issubclass(iv.InsufficientBalanceError, iv.ApiError)
    assert issubclass(iv.ConfigurationError, ValueError)
    assert issubclass(iv.SendInterrupted, KeyboardInterrupt)
    assert errors.error_for_status("-20").code == "-20"


def test_tls_verification_is_always_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert iv.VoiceClient(api_key="k", api_secret="s")._session().verify is True
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    session = iv.VoiceClient(api_key="k", api_secret="s")._session()
    assert session.verify == "/etc/ssl/certs/ca-certificates.crt"
    assert "verify" not in iv.VoiceClient.__init__.__code__.co_varnames


def test_environment_proxies_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = iv.VoiceClient(api_key="k", api_secret="s")._session()
    assert session.proxies.get("https") == "http://proxy.invalid:3128"
    assert session.trust_env is False
