"""polars, Arrow and other frames are accepted wherever a DataFrame is."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import itnivoice_nb as iv

polars = pytest.importorskip("polars", reason="polars is in the test extra")

MSG = iv.VoiceMessage(app_id="a", file_id="f.mp3")
NUMBERS = ["+91 85632 14120", "918563214121", "12"]


class Capsule:
    """Something that only exposes the Arrow PyCapsule stream interface."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self._table.__arrow_c_stream__(requested_schema)


FRAMES = {
    "polars": lambda: polars.DataFrame({"phone": NUMBERS, "name": ["a", "b", "c"]}),
    "polars ints": lambda: polars.DataFrame({"phone": [918563214120, 918563214121, 12]}),
    "arrow table": lambda: pa.table({"phone": NUMBERS}),
    "arrow capsule": lambda: Capsule(pa.table({"phone": NUMBERS})),
}


@pytest.mark.parametrize("name", list(FRAMES))
def test_send_and_plan_take_other_frames(tmp_path: Path, name: str) -> None:
    frame = FRAMES[name]()
    with iv.Sandbox(reject_share=0) as sb:
        res = iv.send(frame, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
        assert set(sb.charges) == {"918563214120", "918563214121"}
    assert isinstance(res, pd.DataFrame)
    assert res["outcome"].tolist() == ["submitted", "submitted", "invalid"]
    assert res["number"].tolist()[:2] == ["918563214120", "918563214121"]


def test_anything_else_is_named_in_the_error() -> None:
    client = iv.VoiceClient("k", "s", "http://127.0.0.1:9/voice")
    with pytest.raises(TypeError, match="got list"):
        iv.plan([["918563214120"]], MSG, client=client, journal=None)
    with pytest.raises(TypeError, match="got numpy.ndarray"):
        import numpy as np

        iv.plan(np.array(["918563214120"]), MSG, client=client, journal=None)


def test_every_entry_point_takes_a_polars_frame(tmp_path: Path) -> None:
    frame = polars.DataFrame({"phone": NUMBERS, "name": ["a", "b", "c"]})
    assert iv.prepare(frame)["valid"].tolist() == [True, True, False]
    form = iv.send_form(frame)
    assert form.column.value == "phone"
    form.close()
    with iv.Sandbox(reject_share=0) as sb:
        res = iv.send(frame, MSG, client=sb.client(), journal=tmp_path / "j", progress=False)
    as_polars = polars.from_pandas(res[["outcome", "number"]].astype({"outcome": "str"}))
    assert iv.summary(as_polars).loc["total", "submitted"] == 2
    iv.plot_outcomes(as_polars)
