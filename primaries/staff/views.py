"""Staff pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..access import roles
from ..results.queries import elections_summary

bp = Blueprint("staff", __name__, url_prefix="/staff")

STAFF = ("admin", "supervisor", "clerk", "observer")


@bp.get("/")
@roles(*STAFF)
def home() -> str:
    return render_template("staff/home.html", elections=elections_summary())
