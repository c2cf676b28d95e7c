"""Console JSON API for sites (admin): which token roles each site accepts (widget/roles.py)."""

from flask import Blueprint, jsonify

from .. import roles
from ..errors import ZhengnaError
from . import ext
from .console_api import _audit, _body, role

bp = Blueprint("sites", __name__, url_prefix="/console/api")


def _site_view(row: dict) -> dict:
    return {"id": row["id"], "name": row["name"], "allowed_roles": row["allowed_roles"] or []}


@bp.get("/sites")
@role("admin")
def sites():
    """Return every site with the token roles it accepts (empty: anyone)."""
    return jsonify(items=[_site_view(row) for row in ext().store.directory.sites()])


@bp.patch("/sites/<site_id>")
@role("admin")
def update_site(site_id: str):
    """Set the token roles a site accepts; open sessions of other roles are refused on resume."""
    store = ext().store
    if store.directory.get_site(site_id) is None:
        raise ZhengnaError("not_found.site")
    allowed = roles.parse(_body().get("allowed_roles"))
    store.directory.update_site(site_id, allowed_roles=allowed)
    _audit("set_site_roles", {"site": site_id, "allowed_roles": allowed})
    return jsonify(item=_site_view(store.directory.get_site(site_id)))
