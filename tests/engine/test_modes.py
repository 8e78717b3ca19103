from __future__ import annotations

import pytest

from engine.errors import ModeError
from engine.modes import (
    MODE_LABELS,
    compute_mode,
    mode_from_token,
    mode_label,
    mode_token,
    parse_mode,
    parse_mode_list,
)


def test_mode_formula_matches_agilab_bits():
    assert compute_mode() == 0
    assert compute_mode(pool=True) == 1
    assert compute_mode(cython=True) == 2
    assert compute_mode(cluster=True) == 4
    assert compute_mode(rapids=True) == 8
    assert compute_mode(pool=True, cython=True, cluster=True, rapids=True) == 15


def test_sixteen_distinct_labels_and_tokens():
    assert len(MODE_LABELS) == 16 and len(set(MODE_LABELS.values())) == 16
    assert mode_label(13) == "13: rapids and dask and pool"
    assert mode_label(4) == "4: dask (pools in-worker)"
    assert [mode_token(m) for m in (0, 1, 5, 15)] == ["____", "___p", "_d_p", "rdcp"]


@pytest.mark.parametrize("mode", range(16))
def test_token_round_trip(mode):
    assert mode_from_token(mode_token(mode)) == mode
    assert parse_mode(mode_token(mode)) == mode
    assert parse_mode(str(mode)) == mode


@pytest.mark.parametrize("bad", [16, 32, -1, 48])
def test_unknown_mode_bits_are_rejected(bad):
    with pytest.raises(ModeError, match="unknown mode bits"):
        mode_label(bad)


def test_bad_tokens_and_lists():
    with pytest.raises(ModeError):
        parse_mode("dx")
    assert parse_mode_list("0,1, 2,4,1") == [0, 1, 2, 4]
    with pytest.raises(ModeError):
        parse_mode_list("0,99")
