import numpy as np
import pytest

from robots.workspace import Workspace, as_position


@pytest.fixture
def ws():
    return Workspace()


def test_denormalize_maps_unit_square_corners_to_table_corners(ws):
    assert np.allclose(ws.denormalize_xy([0, 0]), [ws.x_min, ws.y_min])
    assert np.allclose(ws.denormalize_xy([1, 1]), [ws.x_max, ws.y_max])
    assert np.allclose(ws.normalize_xy(ws.denormalize_xy([0.3, 0.8])), [0.3, 0.8])


def test_named_places_follow_the_contract(ws):
    places = ws.places()
    assert np.allclose(places["top left corner"], ws.denormalize_xy([0, 1]))
    assert np.allclose(places["bottom right corner"], ws.denormalize_xy([1, 0]))
    assert np.allclose(places["left side"], ws.denormalize_xy([0, 0.5]))
    assert np.allclose(places["middle"], [0, 0])
    assert len(places) == 9


def test_nearest_corner_and_side(ws):
    assert ws.corner_name([0.2, 0.2]) == "top right corner"
    assert ws.corner_name([-0.1, -0.2, 0.05]) == "bottom left corner"
    assert ws.side_name([0.0, -0.2]) == "bottom side"
    assert ws.side_name([-0.24, 0.01]) == "left side"


def test_unknown_place_names_the_known_ones(ws):
    with pytest.raises(KeyError, match="named places: top left corner"):
        ws.place("upper corner")


@pytest.mark.parametrize("bad", [[1.0], [1, 2, 3, 4], "xy", [np.nan, 0], [[0, 0]]])
def test_bad_positions_are_refused_with_their_shape(bad):
    with pytest.raises(ValueError, match="position"):
        as_position(bad)
