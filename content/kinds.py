"""Rules for the fields only some question kinds take (short, numeric), naming the offending field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from content.schema import Question

Error = tuple[tuple[str | int, ...], str, str, dict[str, Any]]

# Which kinds may set each kind-specific field.
OWNERS = {"accept": ("short",), "typos": ("short",), "tolerance": ("numeric",), "min": ("numeric",),
          "max": ("numeric",)}


def kind_errors(q: Question) -> list[Error]:
    """Return the errors in a question's kind-specific fields (an empty list when it is valid)."""
    errors: list[Error] = []
    for name, owners in OWNERS.items():
        if getattr(q, name) is not None and q.type not in owners:
            errors.append(((name,), "kind_field", "'{field}' is only for {owners} questions, not {kind}",
                           {"field": name, "owners": " and ".join(owners), "kind": q.type}))
    if q.type == "short" and not q.accept:
        errors.append((("accept",), "short_accept",
                       "a short question needs 'accept': a list of the answers that count as right", {}))
    if q.type == "numeric":
        errors += _numeric_errors(q)
    return errors


def _numeric_errors(q: Question) -> list[Error]:
    has_answer, has_range = q.answer is not None, q.min is not None or q.max is not None
    if has_answer and has_range:
        return [(("min" if q.min is not None else "max",), "numeric_both",
                 "a numeric question takes either 'answer' (with 'tolerance') or 'min'/'max', not both", {})]
    if not has_answer and not has_range:
        return [(("answer",), "numeric_none",
                 "a numeric question needs 'answer' (with optional 'tolerance') or a range 'min'/'max'", {})]
    if has_range and q.tolerance is not None:
        return [(("tolerance",), "numeric_tolerance", "'tolerance' goes with 'answer', not with 'min'/'max'", {})]
    if q.min is not None and q.max is not None and q.min > q.max:
        return [(("max",), "numeric_range", "'max' ({max}) is below 'min' ({min})", {"min": q.min, "max": q.max})]
    return []
