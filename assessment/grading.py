"""Serving and grading a quiz (learning.blocks.QuizBlock), as pure functions.

An attempt keeps a *snapshot* of the questions it served, answers included, so a
stored score never changes when the quiz is edited later (see assessment.models).
Everything here takes and returns JSON-serialisable data, Decimals as strings,
because snapshots, answers and results are stored in JSON fields.

Snapshot:
    {"settings": {"attempts": int, "time_limit": int | None, "pass_mark": str,
                  "grade_method": str, "feedback": str, "pass_to_complete": bool},
     "questions": [{"id", "kind", "prompt" (HTML), "points": str, "feedback": str,
                    ...by kind}]}
    single_choice:   "choices": [{"id", "text", "correct": bool, "feedback"}]
    multiple_choice: the same, and "scoring"
    true_false:      "answer": "true" | "false"
    short_text:      "accepted": [str]
    numeric:         "value": str, "tolerance": str
    ordering:        "items": [{"id", "text"}] as served, "order": [item ids, right]

Answers: {question id: choice id | [choice ids] | "true"/"false" | text |
          [item ids in the student's order]}; a question unanswered has no key.

The snapshot holds the answer key: only `public_questions` of it may reach a
browser before the attempt is submitted.
"""

import copy
import json
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, DecimalException, localcontext

KINDS = (
    "single_choice",
    "multiple_choice",
    "true_false",
    "short_text",
    "numeric",
    "ordering",
)
SCORINGS = ("all_or_nothing", "partial", "right_minus_wrong")
GRADE_METHODS = ("highest", "last", "first", "average")
CENT = Decimal("0.01")
# Longest text answer kept: the form's inputs are short, a forged post is not.
MAX_TEXT = 500
# Values looked at in one field: a forged post may repeat a field endlessly.
MAX_VALUES = 1000
# A number as students type it, once the comma and the minus sign are normalised;
# the exponent is bounded so arithmetic on it stays cheap and exact.
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")


# --- Building a snapshot ---------------------------------------------------------


def _decimal(value, default="0"):
    """A Decimal from a block's value (a default may come as an int or None)."""
    if value is None or value == "":
        value = default
    try:
        result = Decimal(str(value))
    except (DecimalException, ValueError, TypeError):
        return Decimal(default)
    return result if result.is_finite() else Decimal(default)


def _list_children(list_value):
    """(id, value) of a ListBlock's items; ids that survive reloading the page.

    Wagtail invents a new random id on each load for items stored without one,
    so those fall back to the item's position, which is stable across attempts.
    """
    bound = getattr(list_value, "bound_blocks", None)
    if bound is None:
        return [(str(i), value) for i, value in enumerate(list_value or [])]
    return [
        (stored_item_id(child) or str(i), child.value) for i, child in enumerate(bound)
    ]


def stored_item_id(child):
    """The id a ListBlock item was stored with, or None.

    Wagtail has no public way to tell a stored id from the one it invents on load
    (`ListChild.id`); its `original_id` holds the stored one. Guarded by
    assessment/tests/test_grading.py::test_wagtail_keeps_a_list_items_stored_id_apart."""
    return getattr(child, "original_id", None)


def _question_children(quiz_value):
    """(id, kind, value) of the quiz's questions, known kinds only."""
    children = []
    for i, child in enumerate(quiz_value.get("questions") or []):
        kind = getattr(child, "block_type", None)
        if kind in KINDS:
            children.append((str(child.id or i), kind, child.value))
    return children


def _answer_key(kind, value):
    """What a question's block says about grading it (all but its prompt and the
    text of its choices and items), keyed as in the snapshot."""
    key = {
        "points": str(_decimal(value.get("points"), "1")),
        "feedback": value.get("feedback") or "",
    }
    if kind in ("single_choice", "multiple_choice"):
        key["choices"] = [
            {
                "id": choice_id,
                "text": choice.get("text") or "",
                "correct": bool(choice.get("correct")),
                "feedback": choice.get("feedback") or "",
            }
            for choice_id, choice in _list_children(value.get("choices"))
        ]
        if kind == "multiple_choice":
            scoring = value.get("scoring")
            key["scoring"] = scoring if scoring in SCORINGS else "all_or_nothing"
    elif kind == "true_false":
        key["answer"] = "false" if value.get("answer") == "false" else "true"
    elif kind == "short_text":
        key["accepted"] = [
            str(text) for _, text in _list_children(value.get("accepted")) if text
        ]
    elif kind == "numeric":
        key["value"] = str(_decimal(value.get("value")))
        key["tolerance"] = str(abs(_decimal(value.get("tolerance"))))
    elif kind == "ordering":
        key["items"] = [
            {"id": item_id, "text": str(text or "")}
            for item_id, text in _list_children(value.get("items"))
        ]
        key["order"] = [item["id"] for item in key["items"]]
    return key


def _texts(items, ids):
    by_id = {item["id"]: item["text"] for item in items}
    return [by_id.get(i) for i in ids]


def _shuffle_items(items, rng):
    """The items shuffled, never reading in the right order when that can be
    avoided: a student must not get the answer for free."""
    right = [item["text"] for item in items]
    served = list(items)
    if len(set(right)) < 2:
        # Every order reads the same.
        rng.shuffle(served)
        return served
    for _ in range(100):
        rng.shuffle(served)
        if [item["text"] for item in served] != right:
            return served
    # Vanishingly unlikely with a fair rng; a rotation always differs.
    return served[1:] + served[:1]


def _serve_ids(question, rng):
    """Choices and items stored without an id of their own have their position
    for one (see _list_children), which would tell the right order of an ordering
    question, or the order the author wrote the choices in: they are served under
    an id of this attempt's own, the position kept as `source` for re-grading."""
    for name in ("choices", "items"):
        served = {}
        for entry in question.get(name, []):
            if not entry["id"].isdigit():
                continue
            token = f"{rng.getrandbits(48):012x}"
            served[entry["id"]] = token
            entry["source"], entry["id"] = entry["id"], token
        if name == "items" and served:
            question["order"] = [served.get(i, i) for i in question["order"]]


def build_snapshot(quiz_value, rng):
    """The questions one attempt serves, from a QuizBlock's value and a
    `random.Random`: drawn, shuffled and with their answers (see the module's
    docstring for the shape)."""
    draw = quiz_value.get("draw")
    children = _question_children(quiz_value)
    if draw and 0 < draw < len(children):
        # Drawn questions keep the quiz's order unless it shuffles them too.
        picked = sorted(rng.sample(range(len(children)), draw))
        children = [children[i] for i in picked]
    if quiz_value.get("shuffle_questions"):
        rng.shuffle(children)
    questions = []
    for question_id, kind, value in children:
        question = {
            "id": question_id,
            "kind": kind,
            # Rendered now, so the attempt shows what was asked even if links change.
            "prompt": str(value["prompt"]) if value.get("prompt") else "",
            **_answer_key(kind, value),
        }
        if "choices" in question and quiz_value.get("shuffle_choices"):
            rng.shuffle(question["choices"])
        if kind == "ordering":
            question["items"] = _shuffle_items(question["items"], rng)
        _serve_ids(question, rng)
        questions.append(question)
    return {"settings": quiz_settings(quiz_value), "questions": questions}


def quiz_settings(quiz_value):
    """The quiz's settings an attempt runs by."""
    time_limit = quiz_value.get("time_limit")
    grade_method = quiz_value.get("grade_method")
    feedback = quiz_value.get("feedback")
    return {
        "attempts": int(quiz_value.get("attempts") or 0),
        "time_limit": int(time_limit) if time_limit else None,
        "pass_mark": str(_decimal(quiz_value.get("pass_mark"), "50")),
        "grade_method": grade_method if grade_method in GRADE_METHODS else "highest",
        "feedback": feedback if feedback in ("each", "last", "never") else "each",
        "pass_to_complete": bool(quiz_value.get("pass_to_complete")),
    }


# --- What a browser may see ------------------------------------------------------


def public_questions(snapshot):
    """The questions as the attempt's form may show them: nothing of the answer
    key, not even what a feedback or the scoring would hint."""
    public = []
    for question in _questions(snapshot):
        row = {
            "id": question["id"],
            "kind": question["kind"],
            "prompt": question.get("prompt") or "",
            "points": question.get("points") or "0",
        }
        if question["kind"] in ("single_choice", "multiple_choice"):
            row["choices"] = [
                {"id": c["id"], "text": c["text"]} for c in question.get("choices", [])
            ]
        elif question["kind"] == "ordering":
            row["items"] = [
                {"id": i["id"], "text": i["text"]} for i in question.get("items", [])
            ]
        public.append(row)
    return public


def _questions(snapshot):
    """The snapshot's questions, skipping any that is not well formed."""
    questions = snapshot.get("questions") if isinstance(snapshot, dict) else None
    if not isinstance(questions, list):
        return []
    return [
        q
        for q in questions
        if isinstance(q, dict)
        and isinstance(q.get("id"), str)
        and q.get("kind") in KINDS
    ]


# --- Reading a form --------------------------------------------------------------


def _values(data, name):
    """A field's values as strings, from a QueryDict or a dict (decoded JSON)."""
    if hasattr(data, "getlist"):
        raw = data.getlist(name)
    else:
        raw = data.get(name)
        if not isinstance(raw, (list, tuple)):
            raw = [] if raw is None else [raw]
    values = []
    for value in raw[:MAX_VALUES]:
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            value = str(value)
        if isinstance(value, str):
            # A lone surrogate (valid JSON, "\ud800") is no text PostgreSQL's
            # JSON can store: replaced, so the save never fails.
            values.append(value.encode("utf-8", "replace").decode())
    return values


def _one(values, allowed):
    """The one allowed value given; none when there are several (a forged post
    must not pick every choice of a single choice)."""
    given = {v.strip() for v in values} & set(allowed)
    return given.pop() if len(given) == 1 else None


def _position(text, count):
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        return None
    position = int(text)
    return position if 1 <= position <= count else None


def _student_order(values, served):
    """The item ids in the order the student's positions give; duplicates keep
    the served order between them and the items without one go last."""
    count = len(served)
    rank = {}
    for item_id in served:
        given = values.get(item_id)
        position = _position(given, count) if given is not None else None
        rank[item_id] = position if position is not None else count + 1
    return sorted(served, key=lambda item_id: (rank[item_id], served.index(item_id)))


def _listed_order(ids, served):
    """The item ids in a listed order (what a script may send), completed with
    the items it left out, in the served order."""
    order = []
    for item_id in ids:
        item_id = item_id.strip()
        if item_id in served and item_id not in order:
            order.append(item_id)
    if not order:
        return None
    return order + [item_id for item_id in served if item_id not in order]


def _clean_text(values):
    for value in values:
        # PostgreSQL's JSON cannot store NUL characters.
        text = value.replace("\x00", "")[:MAX_TEXT]
        if text.strip():
            return text
    return None


def parse_answers(snapshot, data):
    """The answers `{question id: value}` in a form's data (a QueryDict, a dict
    whose values may be lists, or that dict as JSON text): fields `q-<id>`, and
    for ordering `q-<id>-<item id>` with each item's position from 1. Anything
    unknown or malformed is dropped, never raised: it comes from a browser."""
    if isinstance(data, (bytes, bytearray)):
        data = data.decode("utf-8", "replace")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return {}
    if not hasattr(data, "get"):
        return {}
    answers = {}
    for question in _questions(snapshot):
        try:
            answer = _parse_one(question, data)
        except (TypeError, ValueError, AttributeError, KeyError):
            answer = None
        if answer is not None:
            answers[question["id"]] = answer
    return answers


def _parse_one(question, data):
    field = f"q-{question['id']}"
    kind = question["kind"]
    values = _values(data, field)
    if kind == "single_choice":
        return _one(values, [c["id"] for c in question.get("choices", [])])
    if kind == "multiple_choice":
        ids = [c["id"] for c in question.get("choices", [])]
        picked = {v.strip() for v in values}
        # In the served order, so the stored answer reads like the form.
        return [i for i in ids if i in picked] or None
    if kind == "true_false":
        return _one([v.lower() for v in values], ["true", "false"])
    if kind in ("short_text", "numeric"):
        return _clean_text(values)
    if kind == "ordering":
        served = [item["id"] for item in question.get("items", [])]
        positions = {}
        for item_id in served:
            given = _values(data, f"{field}-{item_id}")
            if given:
                positions[item_id] = given[0]
        if positions:
            return _student_order(positions, served)
        return _listed_order(values, served)
    return None


# --- Grading ---------------------------------------------------------------------


def normalise_text(text):
    """Text as short answers are compared: without case, compatibility forms
    (full-width letters, ligatures) or extra whitespace."""
    text = unicodedata.normalize("NFKC", str(text))
    text = unicodedata.normalize("NFKC", text.casefold())
    return " ".join(text.split())


def parse_number(text):
    """A Decimal from what a student typed (a comma as the decimal separator is
    fine), or None."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        return None
    text = unicodedata.normalize("NFKC", text).strip().replace("\u2212", "-")
    if "," in text:
        if "." in text or text.count(",") > 1:
            # A thousands separator or a list: which is meant is a guess.
            return None
        text = text.replace(",", ".")
    if not NUMBER.fullmatch(text):
        return None
    return Decimal(text)


def _points(maximum, fraction):
    return (maximum * fraction).quantize(CENT, rounding=ROUND_HALF_UP)


def _fraction(question, answer):
    """(share of the points earned, picked choices) for an answer, or None when
    the question is unanswered (or the answer is not one it can have)."""
    kind = question["kind"]
    if kind == "single_choice":
        choices = {c["id"]: c for c in question.get("choices", [])}
        if not isinstance(answer, str) or answer not in choices:
            return None
        choice = choices[answer]
        return Decimal(1 if choice.get("correct") else 0), [choice]
    if kind == "multiple_choice":
        if not isinstance(answer, list):
            return None
        choices = question.get("choices", [])
        wanted = {a for a in answer if isinstance(a, str)}
        picked = [c for c in choices if c["id"] in wanted]
        if not picked:
            return None
        right = sum(1 for c in choices if c.get("correct"))
        right_picked = sum(1 for c in picked if c.get("correct"))
        wrong_picked = len(picked) - right_picked
        scoring = question.get("scoring")
        if not right:
            share = Decimal(0)
        elif scoring == "partial":
            share = Decimal(0) if wrong_picked else Decimal(right_picked) / right
        elif scoring == "right_minus_wrong":
            share = Decimal(max(0, right_picked - wrong_picked)) / right
        else:
            share = Decimal(1 if right_picked == right and not wrong_picked else 0)
        return share, picked
    if kind == "true_false":
        if answer not in ("true", "false"):
            return None
        return Decimal(1 if answer == question.get("answer") else 0), []
    if kind == "short_text":
        if not isinstance(answer, str) or not answer.strip():
            return None
        given = normalise_text(answer)
        accepted = {normalise_text(a) for a in question.get("accepted", [])}
        return Decimal(1 if given in accepted else 0), []
    if kind == "numeric":
        if not isinstance(answer, str) or not answer.strip():
            return None
        number = parse_number(answer)
        if number is None:
            return Decimal(0), []
        value = _decimal(question.get("value"))
        tolerance = abs(_decimal(question.get("tolerance")))
        # Exact arithmetic, so an answer right at the tolerance's edge counts.
        with localcontext() as context:
            context.prec = 4000
            right = abs(number - value) <= tolerance
        return Decimal(1 if right else 0), []
    if kind == "ordering":
        items = question.get("items", [])
        served = [item["id"] for item in items]
        order = _listed_order(
            [a for a in answer if isinstance(a, str)]
            if isinstance(answer, list)
            else [],
            served,
        )
        if order is None or not served:
            return None
        # Compared by text: items that read the same are interchangeable.
        right = _texts(items, question.get("order", served))
        given = _texts(items, order)
        placed = sum(1 for a, b in zip(given, right, strict=False) if a == b)
        return Decimal(placed) / len(served), []
    return None


def grade_question(question, answer):
    """One question's result (an item of `grade`'s "results")."""
    maximum = _decimal(question.get("points")).quantize(CENT, rounding=ROUND_HALF_UP)
    graded = _fraction(question, answer)
    feedback = [question["feedback"]] if question.get("feedback") else []
    if graded is None:
        return {
            "id": question["id"],
            "points": str(Decimal(0).quantize(CENT)),
            "max": str(maximum),
            "outcome": "unanswered",
            "feedback": feedback,
        }
    share, picked = graded
    feedback += [c["feedback"] for c in picked if c.get("feedback")]
    if share >= 1:
        outcome = "right"
    elif share > 0:
        outcome = "partly"
    else:
        outcome = "wrong"
    return {
        "id": question["id"],
        "points": str(_points(maximum, share)),
        "max": str(maximum),
        "outcome": outcome,
        "feedback": feedback,
    }


def grade(snapshot, answers):
    """The attempt's score over its snapshot's questions:
    {"score", "max", "percent" (all str, two decimals but a percent of "0" when
    there is nothing to score), "results": [per question, in served order:
    {"id", "points", "max", "outcome", "feedback": [texts]}]}."""
    if not isinstance(answers, dict):
        answers = {}
    results = [grade_question(q, answers.get(q["id"])) for q in _questions(snapshot)]
    score = sum((Decimal(r["points"]) for r in results), Decimal(0)).quantize(CENT)
    maximum = sum((Decimal(r["max"]) for r in results), Decimal(0)).quantize(CENT)
    if maximum > 0:
        percent = (score * 100 / maximum).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        percent = Decimal(0)
    return {
        "score": str(score),
        "max": str(maximum),
        "percent": str(percent),
        "results": results,
    }


def aggregate(percents, method):
    """A quiz's grade from its submitted attempts' percents, in attempt order;
    None when there is none (attempts without a percent do not count)."""
    values = [Decimal(str(p)) for p in percents if p is not None]
    if not values:
        return None
    if method == "last":
        return values[-1]
    if method == "first":
        return values[0]
    if method == "average":
        average = sum(values, Decimal(0)) / len(values)
        return average.quantize(CENT, rounding=ROUND_HALF_UP)
    return max(values)


# --- Re-grading ------------------------------------------------------------------


def _match(served, current):
    """For each served choice or item, the current one it is: the same id, else
    the same text among those not matched yet; None for one deleted since."""
    by_id = {c["id"]: c for c in current}

    def source(entry):
        # The block's id it was served for (snapshots before attempts had ids of
        # their own served the block's).
        return entry.get("source", entry["id"])

    matched_ids = {source(s) for s in served if source(s) in by_id}
    spare = [c for c in current if c["id"] not in matched_ids]
    matches = {}
    for s in served:
        if source(s) in by_id:
            matches[s["id"]] = by_id[source(s)]
            continue
        same = next((c for c in spare if c["text"] == s["text"]), None)
        if same is not None:
            spare.remove(same)
        matches[s["id"]] = same
    return matches


def _regrade_question(question, kind, value):
    key = _answer_key(kind, value)
    new = {**question, "points": key["points"], "feedback": key["feedback"]}
    if kind in ("single_choice", "multiple_choice"):
        matches = _match(question.get("choices", []), key["choices"])
        choices = []
        # The text served stays: it is what the student answered; a choice
        # deleted since keeps what it was.
        for choice in question.get("choices", []):
            current = matches.get(choice["id"])
            if current is not None:
                choice = {
                    **choice,
                    "correct": current["correct"],
                    "feedback": current["feedback"],
                }
            choices.append(choice)
        new["choices"] = choices
        if kind == "multiple_choice":
            new["scoring"] = key["scoring"]
    elif kind == "ordering":
        items = question.get("items", [])
        matches = _match(items, key["items"])
        position = {c["id"]: n for n, c in enumerate(key["items"])}
        old = list(question.get("order", [item["id"] for item in items]))
        # Matched items take the block's order; any deleted since keeps its place.
        movable = [i for i in old if matches.get(i) is not None]
        reordered = iter(sorted(movable, key=lambda i: position[matches[i]["id"]]))
        new["order"] = [next(reordered) if i in movable else i for i in old]
    else:
        for name in ("answer", "accepted", "value", "tolerance"):
            if name in key:
                new[name] = key[name]
    return new


def regrade_snapshot(snapshot, quiz_value):
    """The snapshot with each question still in the quiz taking its answers,
    points, scoring and feedback as they are now; the questions, their order
    and their wording stay as served, and a question deleted since keeps what
    it was. The argument is left as it was."""
    new = copy.deepcopy(snapshot)
    current = {
        qid: (kind, value) for qid, kind, value in _question_children(quiz_value)
    }
    questions = new.get("questions") if isinstance(new, dict) else None
    if not isinstance(questions, list):
        return new
    for n, question in enumerate(questions):
        if not isinstance(question, dict) or question.get("id") not in current:
            continue
        kind, value = current[question["id"]]
        # A question's kind cannot change in the editor; if it did, the old
        # answers would not fit the new key.
        if kind != question.get("kind"):
            continue
        questions[n] = _regrade_question(question, kind, value)
    return new
