# Flask-WTF ships no type hints and there is no stub package: the part of its API this project
# uses, so that forms subclass a typed FlaskForm (a WTForms Form, typed by types-WTForms).
# Anything not written here is Any.
from typing import Any

from markupsafe import Markup
from wtforms import Form

from .csrf import CSRFProtect as CSRFProtect

class FlaskForm(Form):
    def __init__(self, formdata: Any = ..., **kwargs: Any) -> None: ...
    def is_submitted(self) -> bool: ...
    def validate_on_submit(self, extra_validators: Any = None) -> bool: ...
    def hidden_tag(self, *fields: Any) -> Markup: ...

def __getattr__(name: str) -> Any: ...
