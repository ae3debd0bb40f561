#!/usr/bin/env python3
"""Prints a findings answer valid for the profile file given: every category absent, no facts.

The fake engine answers it to every request, so the benchmark's jobs complete without a model.
"""
import json
import sys

profile = json.load(open(sys.argv[1]))
absent = {
    "presence": "absent", "value": None, "normalized": None, "pages": [], "quotes": [],
    "confidence": 0.5, "risk": "none", "risk_rationale": "Not found in these pages.",
}
answer = {
    "document": {"title": None, "type": None, "parties": [], "governing_law": None, "currency": None, "total_value": None},
    "findings": {category: absent for category in profile["categories"]},
}
print(json.dumps(answer))
