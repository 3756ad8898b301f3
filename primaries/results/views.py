"""Pages and downloads for members and the press.

Pages: the elections (``/``), an election, a round's result (chart, table, totals, progress,
regions), a round's branches (searchable, sortable, paged), a branch across rounds, a runoff
compared with the round before, in the reader's language (:mod:`.local`); each shows the audit
chain's head in its footer (:mod:`.audit_head`), and ``/audit/public-key`` publishes the keys that
verify it. Downloads: a round's per-branch CSV and NIST ERR JSON, an election's package. Views are
thin: they find what is asked for, let :mod:`.http` answer 304 when the reader is up to date
(:mod:`.versions`), and otherwise hand what the read side computed (:mod:`.overview`, :mod:`.rows`,
:mod:`.regions`, :mod:`.compare`, :mod:`.downloads`, :mod:`.package`; cached) to a template.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..access import public, results
from ..core.objections import DECISION_LABELS
from ..core.rounds import RoundStatus
from ..elections.lookup import get_branch, get_election
from ..errors import NotFound
from ..i18n import clock, text_direction
from ..models import Election
from ..timestamps import utcnow
from . import words
from .audit_head import MARKER, public_keys_text, put_head_in_page
from .cache import cached, results_cache
from .chart import bar_chart
from .compare import branch_history, compare_rounds
from .downloads import branches_csv
from .etags import api_etag, conditional, page_etag, shareable_page
from .fingerprint import public_fingerprint
from .local import local_names
from .nist import err_chunks
from .objections import public_objections
from .overview import ElectionOverview, RoundView, all_elections, election_overview
from .package import export_package
from .publishing import ensure_download_published, ensure_published
from .regions import region_rows
from .rows import ballot
from .tables import PER_PAGE, STATUSES, for_ballot, parse_query, round_table
from .variants import VariantRefused, turn_to_render, variant_store
from .versions import (
    all_final,
    election_versions,
    site_final,
    site_versions,
    versions_by_slug,
)

bp = Blueprint("results", __name__)
# The audit chain's head: in every page's footer, put in as the page is served (never cached).
bp.after_request(put_head_in_page)

POLL_SECONDS = 15


@bp.errorhandler(NotFound)
def not_found(exc: NotFound) -> tuple[str, int]:
    return render_template("error.html", title=_("Not found"), message=str(exc)), 404


@bp.errorhandler(VariantRefused)
def variant_refused(exc: VariantRefused) -> tuple[str, int, dict[str, str]]:
    """A view of a table not rendered now (429: this address asked for many; 503: busy)."""
    title = _("Too many requests") if exc.error.code == 429 else _("Busy")
    page = render_template("error.html", title=title, message=exc.error.description)
    return page, exc.error.code or 503, {"Retry-After": str(exc.seconds)}


@bp.context_processor
def audit_head_marker() -> dict[str, Any]:
    return {"audit_head_marker": MARKER}


@bp.app_context_processor
def results_helpers() -> dict[str, Any]:
    return {
        "round_title": words.round_title,
        "state_label": words.state_label,
        "status_label": words.status_label,
        "branch_status_label": words.branch_status_label,
        "progress_text": words.progress_text,
        "outcome_sentence": words.outcome_sentence,
        "local_names": local_names,
    }


# helpers -----------------------------------------------------------------------------------


def _no_round(number: int) -> NotFound:
    return NotFound(_("There is no round %(number)s in this election.", number=number))


def _round_view(slug: str, number: int) -> tuple[ElectionOverview, RoundView]:
    """The election's overview and round ``number`` in it (NotFound: no such round)."""
    overview = election_overview(get_election(slug))
    view = next((v for v in overview.rounds if v.number == number), None)
    if view is None:
        raise _no_round(number)
    return overview, view


def _page(
    slug: str, number: int | None, render: Callable[[], str], params: dict[str, str] | None = None
) -> Response:
    """A page of an election (or of its round ``number``); ``params``: the arguments the page
    read, in their normal form (a variant of the page, see :mod:`.variants`)."""
    versions = versions_by_slug(slug) or election_versions(get_election(slug))
    if number is not None and number not in {v.number for v in versions}:
        raise _no_round(number)
    if number is not None:
        ensure_published(slug, number)
    etag = page_etag(versions, params)
    kept = _kept(etag, render, variant=bool(params))
    return conditional(etag, kept, final=all_final(versions, number), page=True)


_NOW = "primaries.results_now"


def _now() -> dt.datetime:
    """The time a page shows as "Updated"; remembered so that a kept page can show a fresh one."""
    now = utcnow()
    setattr(g, _NOW, now)
    return now


def _updated(now: dt.datetime) -> str:
    """The "Updated" time as ``_macros.html`` writes it."""
    return f'<time datetime="{now.isoformat()}">{clock(now)}</time>'


def _kept(etag: str, render: Callable[[], str], *, variant: bool = False) -> Callable[[], str]:
    """``render``, or for an anonymous reader the page kept per ETag (rendered once).

    The ETag already names all a page's bytes depend on for an anonymous reader (data versions,
    build, locale, address in normal form); only the "Updated" time is the moment of each
    request, so it is put in afresh. Signed-in readers always get a page of their own (see
    ``shareable_page``). A variant is kept in a store of its own, and rendered only within the
    reader's limit and a turn of the process (:mod:`.variants`).
    """
    if not shareable_page():
        return render

    def compute() -> tuple[str, dt.datetime | None]:
        html = render()
        return html, g.pop(_NOW, None)

    def kept() -> str:
        store = variant_store() if variant else results_cache()
        found: tuple[str, dt.datetime | None] | None = store.peek(("page", etag))
        if found is None:
            if variant:
                with turn_to_render():
                    found = compute()
            else:
                found = compute()
            store.put(("page", etag), found)
        html, then = found
        if then is None:
            return html
        return html.replace(_updated(then), _updated(_now()), 1)

    return kept


def _live(view: RoundView) -> dict[str, Any] | None:
    """What live.js needs to poll the round's result while it can still change."""
    if not view.live:
        return None
    round_ = view.round
    return {
        "api": url_for("api.round_result_view", slug=round_.election.slug, number=round_.number),
        "etag": '"' + api_etag("result", (round_.id, int(round_.data_version))) + '"',
        "interval": int(current_app.config.get("RESULTS_POLL_SECONDS", POLL_SECONDS)),
        "closed": round_.status == RoundStatus.CLOSED,
    }


def _download(body: str | bytes | Iterator[str], mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# pages -------------------------------------------------------------------------------------


@bp.get("/")
@results
def index() -> Response:
    def render() -> str:
        return render_template("results/index.html", elections=all_elections(), words=words)

    versions = site_versions()
    etag = page_etag(versions)
    return conditional(etag, _kept(etag, render), final=site_final(versions), page=True)


@bp.get("/elections/<slug>")
@results
def election(slug: str) -> Response:
    def render() -> str:
        overview = election_overview(get_election(slug))
        return render_template("results/election.html", overview=overview, words=words)

    return _page(slug, None, render)


@bp.get("/elections/<slug>/rounds/<int:number>")
@results
def round_page(slug: str, number: int) -> Response:
    def render() -> str:
        overview, view = _round_view(slug, number)
        threshold = overview.rules["threshold_percent"] if number == 1 else None
        local = local_names(overview.election)
        result = local.result(view.result)
        return render_template(
            "results/round.html",
            overview=overview,
            view=view,
            result=result,
            chart=bar_chart(
                result,
                threshold=threshold,
                basis=overview.rules["threshold_basis"],
                rtl=text_direction() == "rtl",
            ),
            regions=region_rows(view.round),
            fingerprint_chart=public_fingerprint(view),
            objections=public_objections(view),
            decision_labels=DECISION_LABELS,
            names=local.mapping(view.names),
            ballot=local.pairs(ballot(view.round)),
            live=_live(view),
            now=_now(),
            words=words,
        )

    return _page(slug, number, render)


@bp.get("/elections/<slug>/rounds/<int:number>/branches")
@results
def branches_page(slug: str, number: int) -> Response:
    asked = parse_query(request.args)  # the normal form names the page (and its variant)

    def render() -> str:
        overview, view = _round_view(slug, number)
        query = for_ballot(asked, [code for code, _ in ballot(view.round)])
        local = local_names(overview.election)
        table, regions = round_table(view.round, query, local, local.mapping(view.names))
        return render_template(
            "results/branches.html",
            overview=overview,
            view=view,
            result=local.result(view.result),
            table=table,
            ballot=local.pairs(ballot(view.round)),
            names=local.mapping(view.names),
            regions=regions,
            statuses=STATUSES,
            per_page=PER_PAGE,
            live=_live(view),
            now=_now(),
        )

    return _page(slug, number, render, asked.params())


@bp.get("/elections/<slug>/rounds/<int:number>/compare")
@results
def compare_page(slug: str, number: int) -> Response:
    def render() -> str:
        overview, view = _round_view(slug, number)
        if number < 2:
            raise NotFound(_("Round 1 has no round before it to compare with."))
        earlier = next(v for v in overview.rounds if v.number == number - 1)
        return render_template(
            "results/compare.html",
            overview=overview,
            view=view,
            comparison=local_names(overview.election).comparison(compare_rounds(earlier, view)),
            live=_live(view),
            now=_now(),
        )

    return _page(slug, number, render)


@bp.get("/elections/<slug>/branches/<code>")
@results
def branch_page(slug: str, code: str) -> Response:
    def render() -> str:
        election = get_election(slug)
        branch = get_branch(election, code)
        overview = election_overview(election)
        history = branch_history([v for v in overview.rounds if v.published], branch.code)
        live_view = next((v for v in overview.rounds if v.live), None)
        return render_template(
            "results/branch.html",
            overview=overview,
            branch=branch,
            rounds=history.rounds,
            candidates=local_names(election).pairs(history.candidates),
            names=local_names(election).mapping(history.names),
            live=_live(live_view) if live_view else None,
            now=_now(),
        )

    return _page(slug, None, render)


# downloads ---------------------------------------------------------------------------------


@bp.get("/elections/<slug>/rounds/<int:number>/branches.csv")
@results
def branches_csv_download(slug: str, number: int) -> Response:
    def render() -> Response:
        _overview, view = _round_view(slug, number)
        return _download(
            # The mimetype only: werkzeug adds "; charset=utf-8" to text types itself.
            branches_csv(view),
            "text/csv",
            f"{slug}-round-{number}-branches.csv",
        )

    return _download_page(slug, number, render)


@bp.get("/elections/<slug>/rounds/<int:number>/results-err.json")
@results
def err_download(slug: str, number: int) -> Response:
    def render() -> Response:
        overview, view = _round_view(slug, number)
        # Streamed: written one reporting unit / count at a time, never one big string.
        return _download(
            err_chunks(overview.election, view),
            "application/json",
            f"{slug}-round-{number}-nist-err.json",
        )

    return _download_page(slug, number, render)


@bp.get("/elections/<slug>/package.json")
@results
def package_download(slug: str) -> Response:
    def render() -> Response:
        election = get_election(slug)
        key = ("package", election.id, election_versions(election))
        package = cached(key, lambda: _package_text(election))
        return _download(package, "application/json", f"{slug}-package.json")

    return _download_page(slug, None, render)


def _package_text(election: Election) -> str:
    return json.dumps(export_package(election), ensure_ascii=False, indent=1)


def _download_page(
    slug: str, number: int | None, render: Callable[[], ResponseReturnValue]
) -> Response:
    """Downloads are the same in every language and for everyone: API-style caching."""
    election = get_election(slug)
    versions = election_versions(election)
    if number is not None and number not in {v.number for v in versions}:
        raise _no_round(number)
    ensure_download_published(slug, number)
    etag = api_etag(request.path, versions)
    return conditional(etag, render, final=all_final(versions, number), page=False)


@bp.get("/audit/public-key")
@results
def public_keys() -> Response:
    """The public keys that verify the audit chain (this server's, never the database's)."""
    text = public_keys_text()
    etag = api_etag("audit-keys", text)
    return conditional(etag, lambda: Response(text, mimetype="text/plain"), final=False, page=False)


@bp.get("/favicon.ico")
@public
def favicon() -> Response:
    return redirect(url_for("static", filename="favicon.svg"), code=301)
