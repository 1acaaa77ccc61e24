"""kimson_geo.validation.issue: shared per-row messages."""

from __future__ import annotations

import numpy as np

from kimson_geo.validation.issue import shared_messages


def test_shared_messages_are_made_once_per_key_and_follow_the_rows() -> None:
    values = [5.5, 4.0, 5.5, -0.0, 0.0, 4.0]
    made: list[int] = []

    def text(i: int) -> str:
        made.append(i)
        return f"{values[i]:g} m"

    messages = shared_messages(np.asarray(values).view(np.int64), text)
    assert messages.tolist() == ["5.5 m", "4 m", "5.5 m", "-0 m", "0 m", "4 m"]
    assert sorted(made) == [0, 1, 3, 4]  # the first row of each key, once
    assert messages[0] is messages[2]  # one text object shared by the rows
