"""The OpenAPI 3.1 description of ``/api/v1``."""

from __future__ import annotations

from typing import Any

from ..core.limits import LANGUAGE_TAG_RE

_PERCENT = {"type": ["string", "null"], "pattern": r"^\d{1,3}\.\d{2}$"}
# Names in other languages (CONTRACT section 5, version 1.1), only where the package gave them.
_NAMES = {
    "type": "object",
    "description": "language tag (he, ar, en-gb) -> name; the key is left out when none are given",
    "propertyNames": {"pattern": LANGUAGE_TAG_RE.pattern.replace("\\Z", "$")},
    "additionalProperties": {"type": "string", "minLength": 1},
}
_ERROR = {
    "description": "unknown election or round",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}},
            }
        }
    },
}


_HEADERS = {
    "ETag": {
        "description": "derived from the data versions the answer depends on",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "public, max-age=10 while counting; max-age=3600 once final",
        "schema": {"type": "string"},
    },
    "Audit-Chain-Head": {
        "description": "the audit chain's head when the answer was served: the newest event's "
        "number and hash (`primaries audit verify --head N:HASH` proves it is still there)",
        "schema": {"type": "string", "pattern": "^[0-9]+:[0-9a-f]{64}$"},
    },
}
_NOT_MODIFIED = {
    "description": "not modified: the If-None-Match ETag is still current",
    "headers": _HEADERS,
}
_UNAUTHORIZED = {
    "description": "results are not public here (RESULTS_PUBLIC is off): sign in first",
    "content": _ERROR["content"],
}


def _json(schema_ref: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": _HEADERS,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


def _if_none_match() -> dict[str, Any]:
    return {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "an ETag from an earlier answer: 304 if it is still current",
        "schema": {"type": "string"},
    }


def _get(operation: dict[str, Any]) -> dict[str, Any]:
    """Every operation is a conditional GET: If-None-Match in, 304 / 401 out."""
    operation["parameters"] = [*operation.get("parameters", []), _if_none_match()]
    operation["responses"] = {**operation["responses"], "304": _NOT_MODIFIED, "401": _UNAUTHORIZED}
    return {"get": operation}


def _slug() -> dict[str, Any]:
    return {
        "name": "slug",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,64}$"},
        "example": "labor-2011",
    }


def _number() -> dict[str, Any]:
    return {
        "name": "number",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
        "example": 1,
    }


def openapi_document() -> dict[str, Any]:
    round_summary = {
        "type": "object",
        "required": ["number", "status", "candidates"],
        "properties": {
            "number": {"type": "integer", "minimum": 1},
            "held_on": {"type": ["string", "null"], "format": "date"},
            "status": {"enum": ["open", "closed", "certified"]},
            "candidates": {"type": "array", "items": {"type": "string"}},
            "certificate": {
                "type": ["object", "null"],
                "properties": {
                    "certified_at": {"type": "string", "format": "date-time"},
                    "result_sha256": {"type": ["string", "null"]},
                    "audit_head": {"type": ["string", "null"]},
                    "result_matches": {
                        "type": "boolean",
                        "description": "false when the round's result served now does not "
                        "hash to result_sha256: the numbers changed since the round was "
                        "certified, and the result shown is not the certified one",
                    },
                },
            },
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "primaries public results API",
            "version": "1",
            "description": "Read-only results of party primaries with runoffs "
            "(the primaries contract, version 1, section 7).",
        },
        "paths": {
            "/api/v1/elections": _get(
                {
                    "operationId": "listElections",
                    "summary": "Every election with its rounds",
                    "responses": {"200": _json("ElectionList", "the elections")},
                }
            ),
            "/api/v1/elections/{slug}": _get(
                {
                    "operationId": "getElection",
                    "summary": "One election: rules, candidates, rounds",
                    "parameters": [_slug()],
                    "responses": {"200": _json("Election", "the election"), "404": _ERROR},
                }
            ),
            "/api/v1/elections/{slug}/rounds/{number}": _get(
                {
                    "operationId": "getRoundResult",
                    "summary": "A round's result as it stands (contract section 4)",
                    "parameters": [_slug(), _number()],
                    "responses": {"200": _json("RoundResult", "the result"), "404": _ERROR},
                }
            ),
            "/api/v1/elections/{slug}/rounds/{number}/branches": _get(
                {
                    "operationId": "getRoundBranches",
                    "summary": "Every branch's status and counted numbers in a round",
                    "parameters": [_slug(), _number()],
                    "responses": {"200": _json("RoundBranches", "the branches"), "404": _ERROR},
                }
            ),
            "/api/v1/audit": _get(
                {
                    "operationId": "getAuditChain",
                    "summary": "The audit chain's head and the public keys that verify it",
                    "responses": {"200": _json("AuditChain", "the head and the keys")},
                }
            ),
            "/api/v1/openapi.json": _get(
                {
                    "operationId": "getOpenAPI",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "the OpenAPI document",
                            "headers": _HEADERS,
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            ),
        },
        "components": {
            "schemas": {
                "ElectionList": {
                    "type": "object",
                    "required": ["elections"],
                    "properties": {
                        "elections": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["slug", "name", "rounds"],
                                "properties": {
                                    "slug": {"type": "string"},
                                    "name": {"type": "string"},
                                    "rounds": {"type": "array", "items": round_summary},
                                },
                            },
                        }
                    },
                },
                "Election": {
                    "type": "object",
                    "required": ["slug", "name", "rules", "candidates", "rounds"],
                    "properties": {
                        "slug": {"type": "string"},
                        "name": {"type": "string"},
                        "rules": {"type": "object"},
                        "names": _NAMES,
                        "candidates": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["code", "name"],
                                "properties": {
                                    "code": {"type": "string"},
                                    "name": {"type": "string"},
                                    "names": _NAMES,
                                },
                            },
                        },
                        "branches": {"type": "integer"},
                        "rounds": {"type": "array", "items": round_summary},
                    },
                },
                "RoundResult": {
                    "type": "object",
                    "required": [
                        "election",
                        "round",
                        "complete",
                        "branches",
                        "totals",
                        "candidates",
                        "outcome",
                    ],
                    "properties": {
                        "election": {"type": "string"},
                        "round": {"type": "integer"},
                        "complete": {"type": "boolean"},
                        "branches": {
                            "type": "object",
                            "required": ["total", "counted", "annulled", "pending"],
                            "properties": {
                                k: {"type": "integer", "minimum": 0}
                                for k in ("total", "counted", "annulled", "pending")
                            },
                        },
                        "totals": {
                            "type": "object",
                            "required": [
                                "eligible",
                                "ballots_cast",
                                "invalid",
                                "valid",
                                "turnout_percent",
                            ],
                            "properties": {
                                **{
                                    k: {"type": "integer"}
                                    for k in ("eligible", "ballots_cast", "invalid", "valid")
                                },
                                "turnout_percent": _PERCENT,
                            },
                        },
                        "candidates": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["code", "name", "votes", "percent", "rank"],
                                "properties": {
                                    "code": {"type": "string"},
                                    "name": {"type": "string"},
                                    "votes": {"type": "integer", "minimum": 0},
                                    "percent": _PERCENT,
                                    "rank": {"type": "integer", "minimum": 1},
                                },
                            },
                        },
                        "outcome": {
                            "type": "object",
                            "required": ["status", "winner", "qualifiers", "tied", "places"],
                            "properties": {
                                "status": {
                                    "enum": ["winner", "runoff", "lot_required", "no_votes"]
                                },
                                "winner": {"type": ["string", "null"]},
                                "qualifiers": {"type": "array", "items": {"type": "string"}},
                                "tied": {"type": "array", "items": {"type": "string"}},
                                "places": {"type": "integer", "minimum": 0},
                            },
                        },
                    },
                },
                "AuditChain": {
                    "type": "object",
                    "required": ["head", "algorithm", "signed_text", "current_key", "public_keys"],
                    "properties": {
                        "head": {
                            "type": "object",
                            "required": ["event", "hash", "noted"],
                            "properties": {
                                "event": {"type": "integer", "minimum": 0},
                                "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                                "noted": {"type": "string", "pattern": "^[0-9]+:[0-9a-f]{64}$"},
                            },
                        },
                        "algorithm": {"const": "Ed25519"},
                        "signed_text": {"type": "string"},
                        "current_key": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
                        "public_keys": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["key_id", "public_key"],
                                "properties": {
                                    "key_id": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
                                    "public_key": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                                },
                            },
                        },
                    },
                },
                "RoundBranches": {
                    "type": "object",
                    "required": ["election", "round", "branches"],
                    "properties": {
                        "election": {"type": "string"},
                        "round": {"type": "integer"},
                        "branches": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["code", "name", "region", "eligible", "status"],
                                "properties": {
                                    "code": {"type": "string"},
                                    "name": {"type": "string"},
                                    "region": {"type": ["string", "null"]},
                                    "eligible": {"type": "integer", "minimum": 0},
                                    "status": {"enum": ["counted", "annulled", "pending"]},
                                    "ballots_cast": {"type": "integer"},
                                    "invalid": {"type": "integer"},
                                    "votes": {
                                        "type": "object",
                                        "additionalProperties": {"type": "integer"},
                                    },
                                    "reason": {"type": ["string", "null"]},
                                },
                            },
                        },
                    },
                },
            }
        },
    }
