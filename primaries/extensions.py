"""The Flask extensions, created once and bound to the app in the factory."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

# One naming convention for every constraint and index, so migrations name them the same way on
# SQLite and PostgreSQL (and a CHECK constraint's name says which rule a refused row broke).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The models' base class (``db.Model`` is made from it, with the same metadata).

    The models subclass it rather than ``db.Model``, which type checkers cannot see through. They
    use nothing ``db.Model`` adds (the legacy ``Model.query``, automatic table names, bind keys,
    its ``__repr__``): each sets its ``__tablename__``, and queries go through ``db.session``.
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        # Every model is mapped to a Table (SQLAlchemy promises only a FromClause).
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
login_manager = LoginManager()
