"""The OpenAPI 3.1 description of ``/api/v1``."""

from __future__ import annotations

from typing import Any

_PERCENT = {"type": ["string", "null"], "pattern": r"^\d{1,3}\.\d{2}$"}
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


def _json(schema_ref: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


def _slug() -> dict[str, Any]:
    return {
        "name": "slug",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,64}$"},
    }


def _number() -> dict[str, Any]:
    return {
        "name": "number",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
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
            "certificate": {"type": ["object", "null"]},
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
            "/api/v1/elections": {
                "get": {
                    "operationId": "listElections",
                    "summary": "Every election with its rounds",
                    "responses": {"200": _json("ElectionList", "the elections")},
                }
            },
            "/api/v1/elections/{slug}": {
                "get": {
                    "operationId": "getElection",
                    "summary": "One election: rules, candidates, rounds",
                    "parameters": [_slug()],
                    "responses": {"200": _json("Election", "the election"), "404": _ERROR},
                }
            },
            "/api/v1/elections/{slug}/rounds/{number}": {
                "get": {
                    "operationId": "getRoundResult",
                    "summary": "A round's result as it stands (contract section 4)",
                    "parameters": [_slug(), _number()],
                    "responses": {"200": _json("RoundResult", "the result"), "404": _ERROR},
                }
            },
            "/api/v1/elections/{slug}/rounds/{number}/branches": {
                "get": {
                    "operationId": "getRoundBranches",
                    "summary": "Every branch's status and counted numbers in a round",
                    "parameters": [_slug(), _number()],
                    "responses": {"200": _json("RoundBranches", "the branches"), "404": _ERROR},
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenAPI",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "the OpenAPI document",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
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
                        "candidates": {"type": "array", "items": {"type": "object"}},
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
