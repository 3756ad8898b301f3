"""The audit chain's head on every results page and API answer, and its public keys.

Observers and the press note the head (``N:HASH``: the newest event's number and hash) and can
later prove with ``primaries audit verify --head N:HASH`` that the chain still holds it. The head
changes with every audit event, sign-ins included, while pages and API answers are kept per data
version (ETags, the rendered-page cache). So it is kept out of what is cached: pages are rendered
with :data:`MARKER` in their footer, and the head is put in its place as each page is served
(:func:`put_head_in_page`); API answers carry it in the ``Audit-Chain-Head`` header
(:func:`put_head_in_header`). Reading it is one indexed query, kept for ``RESULTS_RECHECK_SECONDS``
per process like the data versions (see :mod:`.cache`), and forgotten with them. A page or answer
revalidated with 304 keeps the head it was first served with: an older head, still a true one to
note.

The public keys come from this server's instance folder (:mod:`primaries.audit.keys`), never from
the database.
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from ..audit.head import Head, current_head
from ..audit.keys import PublicKey, published_public_keys, signing_key
from .cache import DEFAULT_RECHECK_SECONDS, recent_store

MARKER = Markup("<!-- primaries:audit-head -->")
HEADER = "Audit-Chain-Head"
_KEPT = "primaries.audit_head_recent"


def noted_head() -> Head:
    """The head, read at most every ``RESULTS_RECHECK_SECONDS`` by this process (and at once
    after a change this process committed)."""
    seconds = float(current_app.config.get("RESULTS_RECHECK_SECONDS", DEFAULT_RECHECK_SECONDS))
    if seconds <= 0:
        return current_head()
    # forgotten with the data versions, on a change here or a notice of one elsewhere
    return recent_store(current_app, _KEPT).get_or_compute("head", seconds, current_head)


def head_line(head: Head) -> str:
    # the words outside the f-string: the catalogue's extractor does not read inside one
    title, keys = escape(_("Audit chain head")), escape(_("its public keys"))
    return (
        f'<p class="audit-head">{title}: <code>{head}</code>'
        f' · <a href="{url_for("results.public_keys")}">{keys}</a></p>'
    )


def put_head_in_page(response: Response) -> Response:
    """Put the current head where a page's footer has :data:`MARKER` (after_request)."""
    if response.direct_passthrough or response.mimetype != "text/html":
        return response
    page = response.get_data(as_text=True)
    if MARKER in page:
        response.set_data(page.replace(MARKER, head_line(noted_head()), 1))
    return response


def put_head_in_header(response: Response) -> Response:
    response.headers[HEADER] = str(noted_head())
    return response


def public_keys_text() -> str:
    """The published keys, as ``primaries audit verify --public-key FILE`` reads them."""
    current = signing_key().public.key_id
    lines = [
        "# Public keys of this primaries audit chain: Ed25519, raw 32 bytes in hex, oldest first.",
        "# Each event's signature signs the ASCII text 'primaries audit event ' and its hash.",
        "# Keep this file; check a copy of the database with:",
        "#   primaries audit verify --public-key THIS-FILE --head N:HASH",
    ]
    for key in published_public_keys():
        lines += [f"# key {key.key_id}{' (signs now)' if key.key_id == current else ''}", key.hex]
    return "\n".join(lines) + "\n"


def keys_document() -> dict[str, object]:
    """``/api/v1/audit``: the head and the keys that verify the chain."""
    head = noted_head()
    keys: list[PublicKey] = published_public_keys()
    return {
        "head": {"event": head.seq, "hash": head.hash, "noted": str(head)},
        "algorithm": "Ed25519",
        "signed_text": "primaries audit event {hash}",
        "current_key": signing_key().public.key_id,
        "public_keys": [{"key_id": key.key_id, "public_key": key.hex} for key in keys],
    }
