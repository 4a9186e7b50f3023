"""Links to many rows built once (`hotline.web.links`): the same URLs as `url_for`."""

from __future__ import annotations

from typing import Any

from flask import url_for

from hotline.web.links import url_for_each


def test_each_link_is_the_one_url_for_builds(app: Any) -> None:
    with app.test_request_context("/queue"):
        for endpoint in ("dashboard.callback", "api.claim"):
            link = url_for_each(endpoint, "callback_id")
            for row_id in (1, 10, 987, 2_147_483_647):
                assert link(row_id) == url_for(endpoint, callback_id=row_id)


def test_an_id_in_the_query_string_is_put_in_its_place_too(app: Any) -> None:
    with app.test_request_context("/queue"):
        link = url_for_each("dashboard.queue", "offset")
        assert link(50) == url_for("dashboard.queue", offset=50)
