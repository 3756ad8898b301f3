"""The import pages' forms (CONTRACT section 6): a branches file and a sheets file, as Excel
workbooks or CSV, with a sheets import's corrections and their reason."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField, ValidationError
from wtforms.validators import Length

# The file pickers offer what the imports read (CONTRACT section 6): workbooks and CSV files.
FILE_ACCEPT = {
    "accept": ".xlsx,.csv,.txt,text/csv,"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}


class ImportBranchesForm(FlaskForm):
    file = FileField(
        _l("Branches file (Excel workbook or CSV)"),
        validators=[FileRequired(_l("Choose a file: an Excel workbook (.xlsx) or a CSV file."))],
        description=_l(
            "Columns code, name, region, eligible. All of it is applied, or none of it."
        ),
        render_kw=FILE_ACCEPT,
    )


class ImportSheetsForm(FlaskForm):
    file = FileField(
        _l("Sheets file (Excel workbook or CSV)"),
        validators=[FileRequired(_l("Choose a file: an Excel workbook (.xlsx) or a CSV file."))],
        description=_l(
            "Columns branch, ballots_cast, invalid, then one per candidate (its code or "
            "its exact name). Imported sheets count at once. All of it is applied, or none of it."
        ),
        render_kw=FILE_ACCEPT,
    )
    correct = BooleanField(_l("Correct sheets that are already counted with different numbers"))
    reason = StringField(_l("Reason for the corrections"), validators=[Length(max=2000)])

    def validate_reason(self, field: StringField) -> None:
        if self.correct.data and not (field.data or "").strip():
            raise ValidationError(_("Corrections need a reason."))
