"""Print the app's URL rules as JSON (run in a subprocess by the serving benchmark), so that the
benchmark takes its URLs from the app itself and records a route that does not exist as missing.
"""

from __future__ import annotations

import json


def main() -> None:
    from primaries import create_app

    app = create_app()
    rules = [
        {"rule": rule.rule, "endpoint": rule.endpoint, "methods": sorted(rule.methods or ())}
        for rule in app.url_map.iter_rules()
    ]
    print(json.dumps(rules))


if __name__ == "__main__":
    main()
