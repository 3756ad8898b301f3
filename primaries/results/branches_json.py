"""The API's branches JSON of a round (CONTRACT section 7) as bytes, without a dict per branch.

At national scale the document is 12,926 branch objects and 500,000 votes: made as dicts and
serialised, it cost most of a second. Here one query reads the branches
(:func:`.documents.branch_columns`), one reads every counted sheet's votes as one row
(:func:`primaries.tally.counted_vote_texts`: the numbers as the database writes them), and each
object is written by a template made once per round. The bytes are those ``jsonify`` writes of
the same document with the app's JSON settings (keys sorted, ASCII only, compact:
``tests/results/test_branches_json.py`` compares them after every kind of change); with other
settings the document is serialised by ``jsonify`` as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from json.encoder import encode_basestring_ascii
from operator import itemgetter
from typing import Any

from flask import current_app, jsonify

from ..core.sheets import PublicStatus, public_status
from ..models import Round
from ..tally import ballot_of, counted_vote_texts
from .documents import branch_columns, branches_of


def branches_document(round_: Round, slug: str, number: int) -> dict[str, Any]:
    """The document as a dict (what ``jsonify`` serialises)."""
    return {"election": slug, "round": number, "branches": branches_of(round_)}


def branches_json(round_: Round, slug: str, number: int) -> bytes:
    """The bytes of ``jsonify(branches_document(round_, slug, number))``."""
    provider: Any = current_app.json
    settings = (
        getattr(provider, "sort_keys", None),
        getattr(provider, "ensure_ascii", None),
        getattr(provider, "compact", None) is True
        or (getattr(provider, "compact", False) is None and not current_app.debug),
    )
    if settings != (True, True, True):
        return bytes(jsonify(branches_document(round_, slug, number)).get_data())
    rows = branch_columns(round_)
    write = _votes_writer([code for _, code, _ in ballot_of(round_)])
    votes_of = counted_vote_texts(round_) if rows else {}
    text = encode_basestring_ascii
    parts = []
    for _id, code, name, region, eligible, state, annulled, reason, entry_id, cast, inv in rows:
        # In the order of the sorted keys: ballots_cast, code, eligible, invalid, name, reason,
        # region, status, votes.
        status = public_status(state, bool(annulled))
        head = f'"code":{text(code)},"eligible":{int(eligible)}'
        where = "null" if region is None else text(region)
        if status == PublicStatus.COUNTED:
            votes = write(votes_of.get(entry_id))
            parts.append(
                f'{{"ballots_cast":{int(cast)},{head},"invalid":{int(inv)},"name":{text(name)},'
                f'"region":{where},"status":"counted","votes":{votes}}}'
            )
        elif status == PublicStatus.ANNULLED:
            why = "null" if reason is None else text(reason)
            parts.append(
                f'{{{head},"name":{text(name)},"reason":{why},"region":{where},'
                f'"status":"annulled"}}'
            )
        else:
            parts.append(
                f'{{{head},"name":{text(name)},"region":{where},"status":{text(status.value)}}}'
            )
    body = ",".join(parts)
    return f'{{"branches":[{body}],"election":{text(slug)},"round":{int(number)}}}\n'.encode()


def _votes_writer(order: Sequence[str]) -> Callable[[list[str] | None], str]:
    """Writes votes given in ballot order (decimal digits; None: all 0) as the compact object
    with sorted keys."""
    by_code = sorted(range(len(order)), key=lambda i: order[i])
    template = "{" + ",".join(f"{encode_basestring_ascii(order[i])}:%s" for i in by_code) + "}"
    zeros = template % (("0",) * len(order))
    pick: Callable[[list[str]], tuple[str, ...]] = (
        itemgetter(*by_code) if len(by_code) > 1 else lambda votes: tuple(votes)
    )

    def write(votes: list[str] | None) -> str:
        return zeros if votes is None else template % pick(votes)

    return write
