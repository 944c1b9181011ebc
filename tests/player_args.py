"""The player's arguments as the browser receives them from an AppTest element.

The race data travels as a binary argument (``viz.player.player`` passes bytes, so Streamlit
does not JSON-encode it again per rerun); everything else is in the element's JSON args.
"""

from __future__ import annotations

import json


def player_args(element) -> dict:
    """``{"data": <the payload dict>, "data_id": ..., ...}`` of a ``component_instance``."""
    proto = element.proto
    args = json.loads(proto.json_args)
    for special in proto.special_args:
        if special.WhichOneof("value") == "bytes":
            args[special.key] = special.bytes
    args["data"] = json.loads(args["data"])
    return args


def payload_of(element) -> dict:
    """The race payload the player draws (maps, runs, loss chart)."""
    return player_args(element)["data"]
