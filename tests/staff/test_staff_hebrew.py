"""The staff workspace speaks Hebrew when the reader chose it (``?lang=he``), and stays as it was
in English.

Every staff page is visited by the roles that use it, with sheets in every state and a request
waiting for a second pair of eyes. Each Hebrew page must hold phrases of its own, and its visible
text must hold no run of two or more English words: the names, codes and numbers of the data are
taken out first (and audit events' contents, shown as JSON), and so are the few words that are
names in any language (primaries, CSV, QR...).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import small_package

from .conftest import form_data

ELECTION = "/staff/elections/test-2024"
ROUND = f"{ELECTION}/rounds/2"
SHEET = f"{ROUND}/sheets"

#: Words that are names in Hebrew text too.
NAMES_IN_ANY_LANGUAGE = {"primaries", "English", "CSV", "JSON", "PDF", "SHA", "QR", "Excel", "UTC"}

#: Tags that run inside a sentence: a run of words goes on through them. Any other tag (a cell, a
#: paragraph, a heading, a form control...) ends the run.
INLINE_TAGS = {"a", "abbr", "b", "code", "em", "i", "q", "small", "span", "strong"}


def data_words() -> set[str]:
    """What the test package itself calls things (names stay as entered, in any language)."""
    election = small_package()["election"]
    names = {election["name"], "observers removed"}  # the election; round 1's annulment reason
    names |= {c["name"] for c in election["candidates"]}
    for branch in election["branches"]:
        names |= {branch["name"], branch["region"] or ""}
    return {name for name in names if name}


def english_runs(page: str) -> list[str]:
    """Runs of two or more English words in the page's visible text."""
    text = re.sub(r"(?is)<(script|style|pre|template)\b.*?</\1\s*>", " | ", page)
    text = re.sub(r"(?s)<!--.*?-->", " | ", text)
    text = re.sub(r"(?is)<head\b.*?</head\s*>", " | ", text)

    def tag(match: re.Match[str]) -> str:
        return " " if match.group(1).lower() in INLINE_TAGS else " | "

    text = re.sub(r"</?([A-Za-z][A-Za-z0-9]*)\b[^>]*>", tag, text)
    text = html.unescape(text)
    for name in sorted(data_words(), key=len, reverse=True):
        text = text.replace(name, " | ")
    text = re.sub(r"\S+@\S+", " | ", text)  # e-mail-like
    text = re.sub(r"\{[^{}]*\}", " | ", text)  # an audit event's contents, as JSON
    runs: list[str] = []
    current: list[str] = []
    for token in [*text.split(), "|"]:
        word = token.strip(".,:;!?()[]{}“”„\"'«»·–—…/")
        english = (
            re.fullmatch(r"[A-Za-z][a-z]*(?:['’-][a-z]+)*", word) is not None
            and word not in NAMES_IN_ANY_LANGUAGE
        )
        if english:
            current.append(word)
            continue
        if len(current) >= 2:
            runs.append(" ".join(current))
        current = []
    return runs


def test_the_heuristic_finds_english_and_lets_data_through() -> None:
    page = (
        "<html><head><title>Staff workspace</title></head><body><p>סביבת העבודה</p>"
        "<p>Staff workspace: <strong>Alice Aharoni</strong> AAA B1 12</p>"
        "<td>clerk1</td><td>sheet</td><td>entered</td><p>Round 2 dashboard</p>"
        "<script>var a = 'two words';</script><p>primaries · English · SHA-256</p></body></html>"
    )
    assert english_runs(page) == ["Staff workspace"]


@pytest.fixture
def busy(
    runoff: Any,
    sign_in: Callable[[str], FlaskClient],
    enter: Callable[..., Any],
    paper: dict[str, tuple[int, int, int, int]],
    staff_db: Any,
) -> dict[str, FlaskClient]:
    """Round 2 with a sheet in every state (B1 awaiting its second entry, B2 a mismatch, B3
    counted, B4 and B5 not entered) and a correction of B3 waiting for a second supervisor."""
    clients = {name: sign_in(name) for name in ("clerk1", "clerk2", "super1", "admin1")}
    clients["observer1"] = sign_in("observer1")
    enter(clients["clerk1"], "B1", paper["B1"])
    enter(clients["clerk1"], "B2", paper["B2"])
    enter(clients["clerk2"], "B2", (500, 5, 251, 244))
    enter(clients["clerk1"], "B3", paper["B3"])
    enter(clients["clerk2"], "B3", paper["B3"])
    assert staff_db.sheet(2, "B2").state == "mismatch"
    asked = clients["super1"].post(
        f"{SHEET}/B3/correct",
        data={**form_data((120, 0, 71, 49), staff_db.version(2, "B3")), "reason": "ספירה חוזרת"},
    )
    assert asked.status_code == 302, asked.text
    for client in clients.values():
        client.get("/staff/?lang=en")  # the setup's messages were flashed in English: shown here
    return clients


#: (who, address, Hebrew phrases the page must hold)
PAGES: list[tuple[str, str, list[str]]] = [
    ("clerk1", "/staff/", ["סביבת העבודה של הצוות", "הקלדת גיליונות", "פקיד/ה", "פתוח"]),
    ("super1", "/staff/", ["בקשות הממתינות לזוג עיניים נוסף", "לוח בקרה", "יומן ביקורת"]),
    ("observer1", "/staff/", ["קריאה בלבד: משקיף/ה", "התוצאות הפומביות"]),
    ("admin1", "/staff/", ["ייבוא קלפיות", "חשבונות", "סגור", "(סיבוב שני)"]),
    ("clerk1", SHEET, ["הגיליון הבא", "פתיחת הגיליון", "הגיליונות שלכם בסבב זה"]),
    ("clerk1", f"{SHEET}?branch=a", ["קלפיות מתאימות"]),
    ("clerk1", f"{SHEET}?branch=nowhere", ["לאף קלפי בבחירות אלה"]),
    ("clerk1", f"{SHEET}/B4", ["שמירת הגיליון", "הזנה ראשונה של גיליון זה", "חברים בעלי זכות"]),
    ("clerk1", f"{SHEET}/B1", ["ההזנה הראשונה של גיליון זה היא שלכם"]),
    ("clerk2", f"{SHEET}/B1", ["הזנה שנייה: חשבון אחר כבר הקליד"]),
    ("super1", f"{SHEET}/B3", ["גיליון זה נספר", "המספרים הנספרים", "תיקון הגיליון"]),
    ("super1", f"{SHEET}/B2", ["שתי ההזנות של גיליון זה שונות", "החזרה להקלדה מחדש"]),
    ("super1", f"{SHEET}/B2/resolve", ["הכרעה", "הזנה 1", "בגיליון הנייר כתוב", "שונה"]),
    ("observer1", f"{SHEET}/B2/resolve", ["מוצגות רק למפקח/ת", "ההזנה הכפולה עיוורת"]),
    ("super1", f"{SHEET}/B3/correct", ["ספירה חוזרת", "בקשת התיקון"]),
    ("super1", f"{SHEET}/B4/annulment", ["פסילת B4", "קלפי שנפסלה נחשבת"]),
    ("super1", f"{ROUND}/lot", ["אין צורך בהגרלה כעת", "נספרו 1, נפסלו 0"]),
    ("super1", f"{ELECTION}/branches/B2", ["ההיסטוריה של", "הוקלד", "מוסתר עד שהגיליון יוכרע"]),
    ("super1", f"{ELECTION}/branches/B3", ["אירועי הביקורת של B3", "מצביעים", "נספר"]),
    ("super1", f"{ELECTION}/branches/B5", ["נפסל", "לא נרשם דבר לקלפי זו בסבב 2."]),
    ("super1", ROUND, ["קלפיות לפי מצב", "התוצאה בזמן אמת", "הזנות לפי חשבון", "סגירת הסבב"]),
    ("observer1", ROUND, ["אישור התוצאה", "מה שעומד בין הסבב הזה לבין אישורו"]),
    ("super1", f"{ELECTION}/rounds/1", ["סבב 1 סופי: סבב 2 נפתח אחריו", "דבר אינו מונע"]),
    ("super1", f"{ROUND}/import/sheets", ["ייבוא גיליונות", "קובץ גיליונות"]),
    ("admin1", f"{ELECTION}/import/branches", ["ייבוא קלפיות", "קובץ קלפיות"]),
    ("super1", "/staff/audit", ["יומן ביקורת", "אימות השרשרת כולה", "החדשים תחילה"]),
    ("observer1", "/staff/audit", ["סינון", "ניקוי"]),
    ("super1", "/staff/requests", ["בקשות הממתינות לזוג עיניים נוסף", "תיקון"]),
    ("admin1", "/staff/accounts", ["חשבון חדש", "יצירת החשבון", "פעיל", "מפקח/ת"]),
    ("observer1", "/staff/accounts", ["חשבונות", "שם משתמש"]),
    ("admin1", "/staff/accounts/clerk1", ["איפוס הסיסמה", "שינוי התפקיד", "השבתת החשבון"]),
    ("super1", f"{ELECTION}/runoff", ["סיבוב שני נפתח מהסבב האחרון", "סבב 2"]),
    ("super1", f"{ROUND}/paper", ["גיליונות ספירה ריקים", "ועדת הקלפי"]),
    ("super1", f"{ROUND}/protocol", ["פרוטוקול תוצאות"]),
    ("super1", f"{ELECTION}/rounds/1/rla", ["ביקורת"]),
    ("admin1", "/staff/elections/new", ["בחירות חדשות", "יצירת הבחירות", "השיעור שמנצח בסבב 1"]),
    ("super1", f"{ELECTION}/setup", ["הורדת חבילת הבחירות", "ההגדרה כבר אינה יכולה להשתנות"]),
    ("admin1", f"{ELECTION}/names", ["שמות בשפות אחרות", "השם כפי שהוזן", "שמירת השמות"]),
    ("observer1", f"{ELECTION}/names?q=B1", ["חיפוש קלפי לפי הקוד שלה", "קלפי אחת"]),
]


@pytest.mark.parametrize(("who", "address", "phrases"), PAGES, ids=[p[1] for p in PAGES])
def test_every_staff_page_speaks_hebrew(
    busy: dict[str, FlaskClient], who: str, address: str, phrases: list[str]
) -> None:
    joiner = "&" if "?" in address else "?"
    response = busy[who].get(f"{address}{joiner}lang=he")
    assert response.status_code == 200, response.text
    page = response.text
    assert '<html lang="he" dir="rtl">' in page
    missing = [phrase for phrase in phrases if phrase not in page]
    assert missing == [], f"{who} {address}: missing {missing}"
    runs = english_runs(page)
    assert runs == [], f"{who} {address}: English left: {runs}"


def test_the_sign_in_page_speaks_hebrew(client: FlaskClient) -> None:
    page = client.get("/staff/sign-in?lang=he").text
    assert "כניסת צוות" in page and "שם משתמש" in page and "סיסמה" in page
    assert english_runs(page) == []
    wrong = client.post("/staff/sign-in?lang=he", data={"username": "x", "password": "y"})
    assert wrong.status_code == 401
    assert "שם המשתמש או הסיסמה שגויים." in wrong.text
    assert english_runs(wrong.text) == []


def test_a_flash_speaks_hebrew(busy: dict[str, FlaskClient], staff_db: Any) -> None:
    supervisor = busy["super1"]
    supervisor.get("/staff/?lang=he")  # the choice is remembered in the cookie
    done = supervisor.post(
        f"{SHEET}/B1/send-back", data={"version": str(staff_db.version(2, "B1"))}
    )
    assert done.status_code == 302
    page = supervisor.get(done.headers["Location"]).text
    assert "קלפי B1 בסבב 2 הוחזרה: יש להקליד אותה מחדש, פעמיים." in page
    admin = busy["admin1"]
    admin.get("/staff/?lang=he")
    changed = admin.post("/staff/accounts/clerk2/role", data={"role": "supervisor"})
    assert changed.status_code == 302
    page = admin.get(changed.headers["Location"]).text
    assert "החשבון clerk2 הוא עכשיו מפקח/ת; ההתחברויות הפתוחות שלו הסתיימו." in page
    assert english_runs(page) == []


def test_the_english_pages_are_unchanged(busy: dict[str, FlaskClient]) -> None:
    home = busy["observer1"].get("/staff/?lang=en").text
    assert ">Workspace</a>" in home and ">Audit log</a>" in home and ">Accounts</a>" in home
    assert "read-only: observer" in home
    assert "Signed in as <strong>observer1</strong> (observer)." in home
    assert '<span class="status status-open">open</span>' in home
    dashboard = busy["super1"].get(f"{ROUND}?lang=en").text
    for text in (
        "<title>Round 2 dashboard · primaries</title>",
        "Test primary: round 2 (runoff)</h1>",
        '<h2 id="states">Branches by state</h2>',
        "Counted 1, annulled 0, pending 4 of 5 branches.",
        "<caption>5 branches</caption>",
        '<th scope="col">Code</th><th scope="col">Name</th>',
        "Close the round (entry stops)",
    ):
        assert text in dashboard, text
    sheet = busy["clerk1"].get(f"{SHEET}/B4?lang=en").text
    assert '<label for="ballots_cast">Ballots cast</label>' in sheet
    assert "First entry of this sheet: it counts once a different account types" in sheet
    assert "<legend>Votes</legend>" in sheet and "Save the sheet</button>" in sheet
    history = busy["super1"].get(f"{ELECTION}/branches/B3?lang=en").text
    assert '<h1>History of <span class="code">B3</span> Yeruham</h1>' in history
    assert "<td>entered" in history
    accounts = busy["admin1"].get("/staff/accounts?lang=en").text
    assert '<option selected value="clerk">clerk: enters count sheets</option>' in accounts
    assert english_runs(accounts) != []  # the heuristic sees English where it is


@pytest.mark.parametrize(("who", "address"), [p[:2] for p in PAGES], ids=[p[1] for p in PAGES])
def test_every_staff_page_speaks_arabic(
    busy: dict[str, FlaskClient], who: str, address: str
) -> None:
    """The same pages in Arabic (issue 14): right to left, and no English left but data."""
    joiner = "&" if "?" in address else "?"
    response = busy[who].get(f"{address}{joiner}lang=ar")
    assert response.status_code == 200, response.text
    page = response.text
    assert '<html lang="ar" dir="rtl">' in page
    runs = english_runs(page)
    assert runs == [], f"{who} {address}: English left: {runs}"


@pytest.mark.parametrize(
    ("language", "sum_words", "eligible_words"),
    [("he", "אבל", "בעלי זכות הבחירה בסניף B1"), ("ar", "لكن", "أصحاب حق الاقتراع")],
)
def test_the_entry_forms_refusals_speak_the_readers_language(
    runoff: Any, sign_in: Any, language: str, sum_words: str, eligible_words: str
) -> None:
    """The sum rule and the eligible rule, as a clerk meets them (core.sheets.sum_words)."""
    clerk = sign_in("clerk1")
    url = f"/staff/elections/test-2024/rounds/2/sheets/B1?lang={language}"
    numbers = {"version": "0", "invalid": "4", "votes_AAA": "150", "votes_BBB": "100"}
    wrong_sum = clerk.post(url, data={**numbers, "ballots_cast": "300"})
    assert wrong_sum.status_code == 422 and sum_words in wrong_sum.text
    assert english_runs(wrong_sum.text) == []
    too_many = {**numbers, "ballots_cast": "900", "votes_AAA": "450", "votes_BBB": "446"}
    above = clerk.post(url, data=too_many)
    assert above.status_code == 422 and eligible_words in above.text
    assert english_runs(above.text) == []


@pytest.mark.parametrize(
    ("language", "not_closed", "blocked", "objection", "english"),
    [
        (
            "he",
            "יש לסגור את סבב 2 לפני שהוא מאושר",
            "אי אפשר לאשר את סבב 2: 5 מתוך 5 קלפיות לא נספרו ולא נפסלו",
            "קלפי: אין ב־test-2024 קלפי 'NOPE'",
            False,
        ),
        (
            "ar",
            "يجب إغلاق الجولة 2 قبل المصادقة عليها",
            "لا يمكن المصادقة على الجولة 2: 5 من 5 صناديق اقتراع لم تُحتسب ولم تُلغَ",
            "صندوق الاقتراع: لا يوجد في test-2024 صندوق اقتراع 'NOPE'",
            False,
        ),
        (
            "en",
            "round 2 must be closed before it is certified",
            "cannot certify round 2: 5 of 5 branches are neither counted nor annulled",
            "branch: test-2024 has no branch 'NOPE'",
            True,
        ),
    ],
)
def test_the_services_refusals_speak_the_readers_language(
    runoff: Any,
    sign_in: Any,
    language: str,
    not_closed: str,
    blocked: str,
    objection: str,
    english: bool,
) -> None:
    """A service's refusal (primaries.core.words.Said) is said in the reader's language on the
    page, every part of it (a round's status, a count, a field's name); the command line and
    the API keep the English sentence (tests/test_cli.py, tests/test_api.py)."""
    supervisor = sign_in("super1")
    supervisor.get(f"/staff/?lang={language}")  # the choice is remembered in the cookie
    early = supervisor.post(ROUND + "/certify")
    page = supervisor.get(early.headers["Location"]).text
    assert not_closed in html.unescape(page)
    supervisor.post(ROUND + "/close")
    refused = supervisor.post(ROUND + "/certify")
    page = supervisor.get(refused.headers["Location"]).text
    assert blocked in html.unescape(page)
    assert english or english_runs(page) == []
    # A refusal of another form: an objection about a branch the election does not have.
    answer = supervisor.post(f"{ROUND}/objections", data={"branch": "NOPE", "text": "ספירה מאוחרת"})
    assert answer.status_code == 422
    assert objection in html.unescape(answer.text)
    assert english or english_runs(answer.text) == []
