"""Run by test_crash.py in a subprocess: one send to the sandbox at argv's URL; killed at will."""

from __future__ import annotations

import sys

import pandas as pd

import itnivoice_nb as iv

if __name__ == "__main__":
    base_url, key, secret, csv, journal, out = sys.argv[1:7]
    df = pd.read_csv(csv, dtype=str)
    msg = iv.VoiceMessage(app_id="4luaKsL2", file_id="f.mp3")
    client = iv.VoiceClient(api_key=key, api_secret=secret, base_url=base_url)
    results = iv.send(
        df, msg, client=client, journal=journal, progress=False, batch_size=25, concurrency=4
    )
    results.to_csv(out)
    print("done", flush=True)
