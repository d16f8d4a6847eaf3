"""The interim lane rule: thresholds on fraud probability and expected revenue."""

from clearsight.portal.lanes import lane_of
from clearsight.portal.settings import PortalSettings


def test_lane_thresholds():
    s = PortalSettings(red_probability=0.5, red_expected_revenue=1000, yellow_probability=0.2, yellow_expected_revenue=100)
    assert lane_of(0.6, 0, s) == "red"
    assert lane_of(0.01, 1000, s) == "red"
    assert lane_of(0.2, 0, s) == "yellow"
    assert lane_of(0.01, 150, s) == "yellow"
    assert lane_of(0.19, 99.9, s) == "green"
