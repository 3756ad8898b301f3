"""A pytest plugin loaded by ``make mutants`` only (setup.cfg, ``[mutmut]``): Alembic loads the
migration files under their dotted path, so that mutmut can mutate them.

Alembic loads each revision file by its path, under a module name of its own
(``0002_running_totals_py``). mutmut names the mutants of
``migrations/versions/0002_running_totals.py`` by the file's dotted path
(``migrations.versions.0002_running_totals``) and switches one on only inside functions whose
module has that name: under Alembic's name, every mutant of a migration would go untested.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

from alembic.util import pyfiles

_load_module_py = pyfiles.load_module_py


def _load_under_dotted_path(module_id: str, path: str | os.PathLike[str]) -> ModuleType:
    try:
        relative = Path(path).resolve().relative_to(Path.cwd().resolve())
    except ValueError:  # not under the directory the mutants run in: Alembic's own name
        return _load_module_py(module_id, path)
    return _load_module_py(".".join(relative.with_suffix("").parts), path)


pyfiles.load_module_py = _load_under_dotted_path
