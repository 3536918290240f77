"""Serving and grading quizzes (assessment.grading), on real QuizBlock values."""

import json
import random
from decimal import Decimal

import pytest
from django.http import QueryDict
from wagtail import blocks

from assessment import grading
from learning.blocks import ChoiceBlock, QuizBlock

# --- Building quiz values as the StreamField stores them ----------------------------


def choice(cid, text, correct=False, feedback=""):
    return {
        "type": "item",
        "id": cid,
        "value": {"text": text, "correct": correct, "feedback": feedback},
    }


def entry(iid, text):
    return {"type": "item", "id": iid, "value": text}


def question(kind, qid, points="1", feedback="", prompt=None, **value):
    return {
        "type": kind,
        "id": qid,
        "value": {
            "prompt": prompt or f"<p>Question {qid}?</p>",
            "points": points,
            "feedback": feedback,
            **value,
        },
    }


def single(qid="sc", **kwargs):
    return question(
        "single_choice",
        qid,
        choices=[
            choice("sc-a", "Paris", True, "Yes, the capital."),
            choice("sc-b", "Lyon", False, "Lyon is second."),
            choice("sc-c", "Nice", False, "Nice is by the sea."),
        ],
        **kwargs,
    )


def multiple(qid="mc", scoring="all_or_nothing", **kwargs):
    return question(
        "multiple_choice",
        qid,
        scoring=scoring,
        choices=[
            choice("mc-2", "Two", True, "Two is prime."),
            choice("mc-3", "Three", True),
            choice("mc-4", "Four", False, "Four is two twos."),
            choice("mc-5", "Five", True),
            choice("mc-6", "Six", False),
        ],
        **kwargs,
    )


def true_false(qid="tf", answer="false", **kwargs):
    return question("true_false", qid, answer=answer, **kwargs)


def short_text(qid="st", accepted=("Ada Lovelace", "Lovelace"), **kwargs):
    return question(
        "short_text",
        qid,
        accepted=[entry(f"st-{n}", text) for n, text in enumerate(accepted)],
        **kwargs,
    )


def numeric(qid="nu", value="3.14", tolerance="0.01", **kwargs):
    return question("numeric", qid, value=value, tolerance=tolerance, **kwargs)


def ordering(qid="or", texts=("One", "Two", "Three", "Four"), **kwargs):
    return question(
        "ordering",
        qid,
        items=[entry(f"or-{n}", text) for n, text in enumerate(texts)],
        **kwargs,
    )


def quiz(*questions, **settings):
    raw = {
        "title": "A quiz",
        "instructions": "<p>Do your best.</p>",
        "attempts": 3,
        "time_limit": None,
        "pass_mark": "60",
        "grade_method": "highest",
        "shuffle_questions": False,
        "shuffle_choices": False,
        "draw": None,
        "feedback": "each",
        "pass_to_complete": True,
        "questions": list(questions),
    }
    raw.update(settings)
    return QuizBlock().to_python(raw)


def every_kind():
    return [single(), multiple(), true_false(), short_text(), numeric(), ordering()]


def snapshot_of(*questions, seed=1, **settings):
    return grading.build_snapshot(quiz(*questions, **settings), random.Random(seed))


def only(snapshot):
    (q,) = snapshot["questions"]
    return q


def result(snapshot, answer):
    return grading.grade(snapshot, {only(snapshot)["id"]: answer})["results"][0]


# --- build_snapshot -----------------------------------------------------------------


def test_snapshot_shape_and_answers():
    snapshot = snapshot_of(*every_kind(), time_limit=20)
    assert snapshot["settings"] == {
        "attempts": 3,
        "time_limit": 20,
        "pass_mark": "60",
        "grade_method": "highest",
        "feedback": "each",
        "pass_to_complete": True,
    }
    questions = {q["id"]: q for q in snapshot["questions"]}
    assert [q["id"] for q in snapshot["questions"]] == [
        "sc",
        "mc",
        "tf",
        "st",
        "nu",
        "or",
    ]
    sc = questions["sc"]
    assert sc["kind"] == "single_choice"
    assert "<p>Question sc?</p>" in sc["prompt"]
    assert Decimal(sc["points"]) == 1
    assert sc["choices"] == [
        {
            "id": "sc-a",
            "text": "Paris",
            "correct": True,
            "feedback": "Yes, the capital.",
        },
        {"id": "sc-b", "text": "Lyon", "correct": False, "feedback": "Lyon is second."},
        {
            "id": "sc-c",
            "text": "Nice",
            "correct": False,
            "feedback": "Nice is by the sea.",
        },
    ]
    assert questions["mc"]["scoring"] == "all_or_nothing"
    assert questions["tf"]["answer"] == "false"
    assert questions["st"]["accepted"] == ["Ada Lovelace", "Lovelace"]
    assert Decimal(questions["nu"]["value"]) == Decimal("3.14")
    assert Decimal(questions["nu"]["tolerance"]) == Decimal("0.01")
    assert questions["or"]["order"] == ["or-0", "or-1", "or-2", "or-3"]
    assert sorted(i["id"] for i in questions["or"]["items"]) == questions["or"]["order"]
    # Stored in a JSON field as it is.
    assert json.loads(json.dumps(snapshot)) == snapshot


def test_prompt_is_rendered_html_and_feedback_kept():
    snapshot = snapshot_of(
        single(prompt="<p>Is <b>this</b> bold?</p>", feedback="Overall.")
    )
    q = only(snapshot)
    assert "<b>this</b>" in q["prompt"]
    assert q["feedback"] == "Overall."


def test_no_shuffle_keeps_the_quizs_order():
    snapshot = snapshot_of(*every_kind())
    assert [q["id"] for q in snapshot["questions"]] == [
        "sc",
        "mc",
        "tf",
        "st",
        "nu",
        "or",
    ]
    mc = snapshot["questions"][1]
    assert [c["id"] for c in mc["choices"]] == ["mc-2", "mc-3", "mc-4", "mc-5", "mc-6"]


def test_shuffles_are_deterministic_for_a_seed_and_vary_between_seeds():
    value = quiz(*every_kind(), shuffle_questions=True, shuffle_choices=True)
    first = grading.build_snapshot(value, random.Random(42))
    again = grading.build_snapshot(value, random.Random(42))
    assert first == again
    orders = {
        tuple(
            q["id"]
            for q in grading.build_snapshot(value, random.Random(s))["questions"]
        )
        for s in range(30)
    }
    assert len(orders) > 1
    mc_orders = set()
    for s in range(30):
        snap = grading.build_snapshot(value, random.Random(s))
        mc = next(q for q in snap["questions"] if q["id"] == "mc")
        mc_orders.add(tuple(c["id"] for c in mc["choices"]))
        # Shuffled, never changed: the same choices with the same answers.
        assert sorted(c["id"] for c in mc["choices"]) == [
            "mc-2",
            "mc-3",
            "mc-4",
            "mc-5",
            "mc-6",
        ]
    assert len(mc_orders) > 1


def test_draw_serves_that_many_distinct_questions():
    value = quiz(*every_kind(), draw=3)
    seen = set()
    for seed in range(40):
        snapshot = grading.build_snapshot(value, random.Random(seed))
        ids = [q["id"] for q in snapshot["questions"]]
        assert len(ids) == 3
        assert len(set(ids)) == 3
        # Without shuffle_questions the drawn ones keep the quiz's order.
        everything = ["sc", "mc", "tf", "st", "nu", "or"]
        assert ids == sorted(ids, key=everything.index)
        seen.update(ids)
    assert seen == {"sc", "mc", "tf", "st", "nu", "or"}


def test_draw_of_all_or_more_serves_all():
    assert len(snapshot_of(*every_kind(), draw=6)["questions"]) == 6
    assert len(snapshot_of(*every_kind(), draw=60)["questions"]) == 6


@pytest.mark.parametrize("count", [2, 3, 4, 6])
def test_ordering_items_are_never_served_in_the_right_order(count):
    texts = [f"Step {n}" for n in range(count)]
    value = quiz(ordering(texts=texts))
    for seed in range(200):
        q = only(grading.build_snapshot(value, random.Random(seed)))
        served = [i["id"] for i in q["items"]]
        assert served != q["order"]
        assert sorted(served) == sorted(q["order"])


def test_ordering_items_that_all_read_the_same_do_not_loop():
    q = only(snapshot_of(ordering(texts=["Same", "Same", "Same"])))
    assert len(q["items"]) == 3


def test_list_items_without_ids_keep_their_position_as_source_served_under_new_ids():
    """Positions as ids would tell the order an author wrote the choices in, and
    an ordering question's answer: they are served under ids of the attempt's
    own, the position kept (never shown) for re-grading."""
    raw = question(
        "single_choice",
        "old",
        choices=[
            {"text": "A", "correct": True, "feedback": ""},
            {"text": "B", "correct": False, "feedback": ""},
        ],
    )
    one = only(snapshot_of(raw, seed=1))
    two = only(snapshot_of(raw, seed=2))
    assert [c["source"] for c in one["choices"]] == ["0", "1"]
    assert [c["source"] for c in two["choices"]] == ["0", "1"]
    assert {c["id"] for c in one["choices"]}.isdisjoint({"0", "1"})
    assert [c["id"] for c in one["choices"]] != [c["id"] for c in two["choices"]]
    public = json.dumps(grading.public_questions(snapshot_of(raw, seed=1)))
    assert "source" not in public


def test_an_ordering_without_item_ids_never_serves_its_order_in_its_field_names():
    raw = question("ordering", "steps", items=["first", "second", "third"])
    snapshot = snapshot_of(raw, seed=3)
    served = only(snapshot)
    assert served["order"] != ["0", "1", "2"]
    assert {i["id"] for i in served["items"]}.isdisjoint({"0", "1", "2"})
    # The right order, posted by the served ids, still gets full points.
    form = {
        f"q-steps-{item_id}": str(position)
        for position, item_id in enumerate(served["order"], start=1)
    }
    answers = grading.parse_answers(snapshot, form)
    assert grading.grade(snapshot, answers)["percent"] == "100.00"


def test_systemrandom_works():
    value = quiz(*every_kind(), shuffle_questions=True, shuffle_choices=True, draw=4)
    snapshot = grading.build_snapshot(value, random.SystemRandom())
    assert len(snapshot["questions"]) == 4


# --- public_questions -----------------------------------------------------------------


def test_public_questions_shape():
    snapshot = snapshot_of(*every_kind())
    public = grading.public_questions(snapshot)
    assert [q["id"] for q in public] == [q["id"] for q in snapshot["questions"]]
    by_id = {q["id"]: q for q in public}
    assert set(by_id["sc"]) == {"id", "kind", "prompt", "points", "choices"}
    assert by_id["sc"]["choices"] == [
        {"id": "sc-a", "text": "Paris"},
        {"id": "sc-b", "text": "Lyon"},
        {"id": "sc-c", "text": "Nice"},
    ]
    assert set(by_id["tf"]) == {"id", "kind", "prompt", "points"}
    assert set(by_id["st"]) == {"id", "kind", "prompt", "points"}
    assert set(by_id["nu"]) == {"id", "kind", "prompt", "points"}
    assert set(by_id["or"]) == {"id", "kind", "prompt", "points", "items"}
    served = next(q for q in snapshot["questions"] if q["id"] == "or")["items"]
    assert by_id["or"]["items"] == served


def test_public_questions_leak_no_answer_key():
    questions = [
        single(feedback="Overall single feedback"),
        multiple(scoring="right_minus_wrong", feedback="Overall multiple feedback"),
        true_false(feedback="Overall tf feedback"),
        short_text(accepted=("Zanzibar", "Unguja"), feedback="Overall st feedback"),
        numeric(value="271.828", tolerance="0.0042", feedback="Overall nu feedback"),
        ordering(feedback="Overall or feedback"),
    ]
    snapshot = snapshot_of(*questions)
    text = json.dumps(grading.public_questions(snapshot))
    for key in (
        "correct",
        "feedback",
        "accepted",
        "tolerance",
        "order",
        "scoring",
        "answer",
        "value",
    ):
        assert f'"{key}":' not in text
    for secret in (
        "Overall",
        "Yes, the capital.",
        "Lyon is second.",
        "Two is prime.",
        "Four is two twos.",
        "Zanzibar",
        "Unguja",
        "271.828",
        "0.0042",
        "right_minus_wrong",
        "all_or_nothing",
        # The true/false answer, as a string or a JSON boolean.
        '"true"',
        '"false"',
        ": true",
        ": false",
    ):
        assert secret not in text


def test_public_questions_of_junk_is_empty():
    assert grading.public_questions({}) == []
    assert grading.public_questions({"questions": "nope"}) == []
    assert grading.public_questions({"questions": [1, {"id": 3}, {"kind": "x"}]}) == []


# --- parse_answers --------------------------------------------------------------------


def form(pairs):
    data = QueryDict(mutable=True)
    for name, value in pairs:
        data.appendlist(name, value)
    return data


@pytest.fixture
def snapshot():
    return snapshot_of(*every_kind(), seed=3)


def served_items(snapshot):
    return [
        i["id"]
        for i in next(q for q in snapshot["questions"] if q["id"] == "or")["items"]
    ]


def test_parse_a_whole_form(snapshot):
    items = served_items(snapshot)
    data = form(
        [
            ("q-sc", "sc-b"),
            ("q-mc", "mc-5"),
            ("q-mc", "mc-2"),
            ("q-tf", "true"),
            ("q-st", "  Ada  Lovelace "),
            ("q-nu", "3,14"),
            ("csrfmiddlewaretoken", "x"),
            ("action", "submit"),
            *[(f"q-or-{item}", str(len(items) - n)) for n, item in enumerate(items)],
        ]
    )
    answers = grading.parse_answers(snapshot, data)
    assert answers == {
        "sc": "sc-b",
        "mc": ["mc-2", "mc-5"],
        "tf": "true",
        "st": "  Ada  Lovelace ",
        "nu": "3,14",
        "or": list(reversed(items)),
    }
    assert json.loads(json.dumps(answers)) == answers


def test_parse_json_and_plain_dicts_alike(snapshot):
    items = served_items(snapshot)
    data = {
        "q-sc": "sc-a",
        "q-mc": ["mc-3", "mc-4"],
        "q-tf": ["false"],
        "q-st": "Lovelace",
        "q-nu": 3.14,
        **{f"q-or-{item}": n + 1 for n, item in enumerate(items)},
    }
    expected = {
        "sc": "sc-a",
        "mc": ["mc-3", "mc-4"],
        "tf": "false",
        "st": "Lovelace",
        "nu": "3.14",
        "or": items,
    }
    assert grading.parse_answers(snapshot, data) == expected
    assert grading.parse_answers(snapshot, json.dumps(data)) == expected
    assert grading.parse_answers(snapshot, json.dumps(data).encode()) == expected


def test_parse_nothing_answered(snapshot):
    assert grading.parse_answers(snapshot, form([])) == {}
    assert (
        grading.parse_answers(snapshot, {"q-st": "   ", "q-nu": "", "q-mc": []}) == {}
    )


def test_parse_single_choice_takes_one_known_choice(snapshot):
    parse = grading.parse_answers
    assert parse(snapshot, {"q-sc": "sc-zz"}) == {}
    # Every choice at once is no answer, not a lucky guess.
    assert parse(snapshot, form([("q-sc", "sc-a"), ("q-sc", "sc-b")])) == {}
    assert parse(snapshot, form([("q-sc", "sc-a"), ("q-sc", "sc-a")])) == {"sc": "sc-a"}
    assert parse(snapshot, {"q-tf": "maybe"}) == {}
    assert parse(snapshot, {"q-tf": ["true", "false"]}) == {}


def test_parse_multiple_choice_drops_unknown_and_duplicates(snapshot):
    answers = grading.parse_answers(
        snapshot, {"q-mc": ["mc-6", "bogus", "mc-2", "mc-6", None, 7, {"a": 1}]}
    )
    assert answers == {"mc": ["mc-2", "mc-6"]}


def test_parse_text_is_capped_and_without_nul(snapshot):
    answers = grading.parse_answers(snapshot, {"q-st": "a\x00b" + "x" * 5000})
    assert answers["st"].startswith("ab")
    assert len(answers["st"]) == 500
    assert "\x00" not in answers["st"]


def test_parse_ordering_with_duplicate_missing_and_junk_positions(snapshot):
    items = served_items(snapshot)
    a, b, c, d = items
    data = {f"q-or-{a}": "2", f"q-or-{b}": "2", f"q-or-{c}": "1", f"q-or-{d}": "x"}
    # Duplicates keep the served order between them; the junk one goes last.
    assert grading.parse_answers(snapshot, data)["or"] == [c, a, b, d]
    only_one = {f"q-or-{d}": "1"}
    assert grading.parse_answers(snapshot, only_one)["or"] == [d, a, b, c]
    silly = {f"q-or-{a}": "99", f"q-or-{b}": "-1", f"q-or-{c}": "9" * 5000}
    assert grading.parse_answers(snapshot, silly)["or"] == items
    # The same input, the same order.
    assert grading.parse_answers(snapshot, data) == grading.parse_answers(
        snapshot, data
    )


def test_parse_ordering_as_a_list_of_ids(snapshot):
    items = served_items(snapshot)
    listed = [items[2], "junk", items[0], items[2]]
    answers = grading.parse_answers(snapshot, {"q-or": listed})
    assert answers["or"] == [items[2], items[0], items[1], items[3]]


@pytest.mark.parametrize(
    "data",
    [
        None,
        42,
        "not json",
        b"\xff\xfe",
        "[1, 2]",
        [("q-sc", "sc-a")],
        {"q-sc": {"nested": True}},
        {"q-mc": "mc-2" * 10000},
        {"q-mc": ["mc-2"] * 100000},
        {"q-or": {"a": 1}},
        {"q-nu": [[1, 2]]},
        {"q-st": 1e308},
        {("tuple",): "key", 5: "int key"},
    ],
)
def test_parse_never_raises_on_junk(snapshot, data):
    answers = grading.parse_answers(snapshot, data)
    assert isinstance(answers, dict)
    json.dumps(answers)
    grading.grade(snapshot, answers)


def test_parse_random_junk_never_raises(snapshot):
    rng = random.Random(7)
    ids = ["q-sc", "q-mc", "q-tf", "q-st", "q-nu", "q-or", "q-zz"]
    ids += [f"q-or-{item}" for item in served_items(snapshot)]
    alphabet = "abc-123 ,.\x00é😀"
    for _ in range(300):
        data = {}
        for _ in range(rng.randrange(8)):
            name = (
                rng.choice(ids)
                if rng.random() < 0.8
                else "".join(rng.choice(alphabet) for _ in range(rng.randrange(10)))
            )
            values = [
                "".join(rng.choice(alphabet) for _ in range(rng.randrange(20)))
                for _ in range(rng.randrange(4))
            ]
            data[name] = values if rng.random() < 0.5 else (values or [""])[0]
        answers = grading.parse_answers(snapshot, data)
        json.dumps(answers)
        graded = grading.grade(snapshot, answers)
        assert Decimal(graded["score"]) <= Decimal(graded["max"])


def test_parse_with_a_junk_snapshot():
    assert grading.parse_answers({}, {"q-a": "b"}) == {}
    assert grading.parse_answers(None, {"q-a": "b"}) == {}


# --- grade: each kind -----------------------------------------------------------------


def test_single_choice():
    snapshot = snapshot_of(single(points="2", feedback="Overall."))
    right = result(snapshot, "sc-a")
    assert right == {
        "id": "sc",
        "points": "2.00",
        "max": "2.00",
        "outcome": "right",
        "feedback": ["Overall.", "Yes, the capital."],
    }
    wrong = result(snapshot, "sc-c")
    assert (wrong["points"], wrong["outcome"]) == ("0.00", "wrong")
    assert wrong["feedback"] == ["Overall.", "Nice is by the sea."]
    none = result(snapshot, None)
    assert (none["points"], none["outcome"]) == ("0.00", "unanswered")
    assert none["feedback"] == ["Overall."]
    assert result(snapshot, "no-such")["outcome"] == "unanswered"


def mc(scoring, picked, points="3"):
    snapshot = snapshot_of(multiple(scoring=scoring, points=points))
    return result(snapshot, picked)


RIGHT = ["mc-2", "mc-3", "mc-5"]
WRONG = ["mc-4", "mc-6"]


@pytest.mark.parametrize(
    ("scoring", "picked", "points", "outcome"),
    [
        ("all_or_nothing", RIGHT, "3.00", "right"),
        ("all_or_nothing", RIGHT[:2], "0.00", "wrong"),
        ("all_or_nothing", RIGHT + WRONG[:1], "0.00", "wrong"),
        ("all_or_nothing", RIGHT + WRONG, "0.00", "wrong"),
        ("all_or_nothing", [], "0.00", "unanswered"),
        ("partial", RIGHT, "3.00", "right"),
        ("partial", RIGHT[:2], "2.00", "partly"),
        ("partial", RIGHT[:1], "1.00", "partly"),
        ("partial", RIGHT[:2] + WRONG[:1], "0.00", "wrong"),
        ("partial", RIGHT + WRONG, "0.00", "wrong"),
        ("partial", WRONG, "0.00", "wrong"),
        ("partial", [], "0.00", "unanswered"),
        ("right_minus_wrong", RIGHT, "3.00", "right"),
        ("right_minus_wrong", RIGHT + WRONG[:1], "2.00", "partly"),
        ("right_minus_wrong", RIGHT + WRONG, "1.00", "partly"),
        ("right_minus_wrong", RIGHT[:1] + WRONG, "0.00", "wrong"),
        ("right_minus_wrong", WRONG, "0.00", "wrong"),
        ("right_minus_wrong", RIGHT[:2], "2.00", "partly"),
        ("right_minus_wrong", [], "0.00", "unanswered"),
    ],
)
def test_multiple_choice_scoring(scoring, picked, points, outcome):
    graded = mc(scoring, picked)
    assert (graded["points"], graded["outcome"]) == (points, outcome)
    assert Decimal(graded["points"]) >= 0


def test_points_round_half_up():
    assert mc("partial", RIGHT[:1], points="1")["points"] == "0.33"
    assert mc("partial", RIGHT[:2], points="1")["points"] == "0.67"
    # An exact half cent: up, not to the even cent.
    snapshot = snapshot_of(ordering(points="0.1"))
    a, b, c, d = only(snapshot)["order"]
    assert result(snapshot, [a, c, d, b])["points"] == "0.03"


def test_multiple_choice_feedback_of_each_picked_choice():
    graded = mc("partial", ["mc-4", "mc-2", "mc-3"])
    assert graded["feedback"] == ["Two is prime.", "Four is two twos."]


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ("false", "right"),
        ("true", "wrong"),
        (None, "unanswered"),
        ("yes", "unanswered"),
    ],
)
def test_true_false(answer, outcome):
    assert result(snapshot_of(true_false(answer="false")), answer)["outcome"] == outcome


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ("Ada Lovelace", "right"),
        ("  ada   LOVELACE  ", "right"),
        ("ada\tlovelace\n", "right"),
        ("ＡＤＡ　ＬＯＶＥＬＡＣＥ", "right"),  # full-width letters and space
        ("lovelace", "right"),
        ("Ada Lovelac", "wrong"),
        ("AdaLovelace", "wrong"),
        ("   ", "unanswered"),
        ("", "unanswered"),
        (None, "unanswered"),
        (["Lovelace"], "unanswered"),
    ],
)
def test_short_text(answer, outcome):
    assert result(snapshot_of(short_text()), answer)["outcome"] == outcome


def test_short_text_casefold_and_nfkc():
    snapshot = snapshot_of(short_text(accepted=("Straße", "ﬁle")))
    assert result(snapshot, "STRASSE")["outcome"] == "right"
    assert result(snapshot, "file")["outcome"] == "right"
    assert result(snapshot, "FILE")["outcome"] == "right"


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ("3.14", "right"),
        ("3.13", "right"),  # the lower bound
        ("3.15", "right"),  # the upper bound
        ("3,15", "right"),
        ("  3,14  ", "right"),
        ("+3.140000", "right"),
        ("314e-2", "right"),
        ("３．１４", "right"),  # full-width digits
        ("3.1500001", "wrong"),
        ("3.1299999", "wrong"),
        ("-3.14", "wrong"),
        ("pi", "wrong"),
        ("3,14,1", "wrong"),
        ("1,000.5", "wrong"),
        ("NaN", "wrong"),
        ("Infinity", "wrong"),
        ("1e99999", "wrong"),
        ("3.14" + "0" * 490, "right"),
        ("", "unanswered"),
        (None, "unanswered"),
    ],
)
def test_numeric(answer, outcome):
    assert result(snapshot_of(numeric()), answer)["outcome"] == outcome


def test_numeric_without_tolerance_and_negative_values():
    snapshot = snapshot_of(numeric(value="-2.5", tolerance="0"))
    assert result(snapshot, "-2,5")["outcome"] == "right"
    assert result(snapshot, "\u22122.5")["outcome"] == "right"  # a typographic minus
    assert result(snapshot, "-2.500001")["outcome"] == "wrong"
    assert result(snapshot, "2.5")["outcome"] == "wrong"


def test_ordering():
    snapshot = snapshot_of(ordering(points="4"))
    right = only(snapshot)["order"]
    assert result(snapshot, right)["points"] == "4.00"
    assert result(snapshot, right)["outcome"] == "right"
    a, b, c, d = right
    assert result(snapshot, [b, a, c, d]) | {"feedback": []} == {
        "id": "or",
        "points": "2.00",
        "max": "4.00",
        "outcome": "partly",
        "feedback": [],
    }
    assert result(snapshot, [b, c, d, a])["outcome"] == "wrong"
    assert result(snapshot, [d, c, b, a])["points"] == "0.00"
    assert result(snapshot, [a, b, d, c])["points"] == "2.00"
    # An incomplete answer is completed in the served order.
    assert result(snapshot, [a])["max"] == "4.00"
    assert result(snapshot, [])["outcome"] == "unanswered"
    assert result(snapshot, "abc")["outcome"] == "unanswered"


def test_ordering_of_three_rounds():
    snapshot = snapshot_of(ordering(texts=("A", "B", "C")))
    a, b, c = only(snapshot)["order"]
    assert result(snapshot, [a, c, b])["points"] == "0.33"


def test_ordering_items_that_read_the_same_are_interchangeable():
    snapshot = snapshot_of(ordering(texts=("Same", "Same", "Other")))
    a, b, c = only(snapshot)["order"]
    assert result(snapshot, [b, a, c])["outcome"] == "right"


def test_ordering_through_the_form():
    snapshot = snapshot_of(ordering())
    q = only(snapshot)
    position = {item_id: n + 1 for n, item_id in enumerate(q["order"])}
    data = {f"q-or-{item_id}": str(p) for item_id, p in position.items()}
    answers = grading.parse_answers(snapshot, data)
    assert grading.grade(snapshot, answers)["results"][0]["outcome"] == "right"


# --- grade: totals --------------------------------------------------------------------


def test_grade_totals_and_percent():
    snapshot = snapshot_of(
        single(points="2"),
        multiple(scoring="partial", points="3"),
        true_false(points="1"),
        short_text(points="1.5"),
        numeric(points="0.5"),
        ordering(points="2"),
    )
    answers = {
        "sc": "sc-a",
        "mc": ["mc-2"],
        "tf": "true",
        "st": "lovelace",
        "or": only(snapshot_of(ordering()))["order"],
    }
    graded = grading.grade(snapshot, answers)
    assert graded["score"] == "6.50"
    assert graded["max"] == "10.00"
    assert graded["percent"] == "65.00"
    assert [r["id"] for r in graded["results"]] == ["sc", "mc", "tf", "st", "nu", "or"]
    assert [r["outcome"] for r in graded["results"]] == [
        "right",
        "partly",
        "wrong",
        "right",
        "unanswered",
        "right",
    ]
    assert json.loads(json.dumps(graded)) == graded


def test_grade_percent_rounds_half_up():
    snapshot = snapshot_of(single(qid="a"), single(qid="b"), single(qid="c"))
    graded = grading.grade(snapshot, {"a": "sc-a", "b": "sc-a"})
    assert graded["percent"] == "66.67"


def test_grade_nothing_to_score():
    snapshot = snapshot_of(single(points="0"))
    graded = grading.grade(snapshot, {"sc": "sc-a"})
    assert graded["max"] == "0.00"
    assert graded["percent"] == "0"
    assert graded["results"][0]["outcome"] == "right"
    assert grading.grade({"questions": []}, {}) == {
        "score": "0.00",
        "max": "0.00",
        "percent": "0",
        "results": [],
    }


def test_grade_with_junk_answers():
    snapshot = snapshot_of(*every_kind())
    for answers in (None, [], "x", {"sc": ["sc-a"], "mc": "mc-2", "or": 5, "nu": 3}):
        graded = grading.grade(snapshot, answers)
        assert graded["score"] == "0.00"
        assert {r["outcome"] for r in graded["results"]} == {"unanswered"}


# --- aggregate ------------------------------------------------------------------------


PERCENTS = [Decimal("40"), Decimal("90.5"), Decimal("70")]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("highest", Decimal("90.5")),
        ("last", Decimal("70")),
        ("first", Decimal("40")),
        ("average", Decimal("66.83")),
        ("unknown", Decimal("90.5")),
    ],
)
def test_aggregate(method, expected):
    assert grading.aggregate(PERCENTS, method) == expected


def test_aggregate_average_rounds_half_up():
    assert grading.aggregate(
        [Decimal("0.005"), Decimal("0.005")], "average"
    ) == Decimal("0.01")
    assert str(grading.aggregate([Decimal(1), Decimal(2)], "average")) == "1.50"


@pytest.mark.parametrize("method", ["highest", "last", "first", "average"])
def test_aggregate_of_nothing(method):
    assert grading.aggregate([], method) is None
    assert grading.aggregate([None], method) is None


def test_aggregate_of_one():
    for method in ("highest", "last", "first", "average"):
        assert grading.aggregate([Decimal("55")], method) == Decimal("55")


# --- regrade_snapshot -----------------------------------------------------------------


def test_regrade_after_changing_the_right_choice_and_points():
    before = snapshot_of(single(), multiple(scoring="all_or_nothing"), seed=5)
    kept = json.loads(json.dumps(before))
    fixed = single(points="5", feedback="Now with feedback.")
    fixed["value"]["choices"][0]["value"]["correct"] = False
    fixed["value"]["choices"][1]["value"]["correct"] = True
    fixed["value"]["choices"][1]["value"]["feedback"] = "Lyon, now."
    changed = multiple(scoring="partial")
    after = grading.regrade_snapshot(before, quiz(fixed, changed))
    assert before == kept  # not mutated

    sc = after["questions"][0]
    assert sc["points"] == "5"
    assert sc["feedback"] == "Now with feedback."
    assert [(c["id"], c["correct"]) for c in sc["choices"]] == [
        ("sc-a", False),
        ("sc-b", True),
        ("sc-c", False),
    ]
    assert sc["choices"][1]["feedback"] == "Lyon, now."
    assert after["questions"][1]["scoring"] == "partial"

    answers = {"sc": "sc-b", "mc": ["mc-2"]}
    old = grading.grade(before, answers)
    new = grading.grade(after, answers)
    assert old["results"][0]["outcome"] == "wrong"
    assert new["results"][0] == {
        "id": "sc",
        "points": "5.00",
        "max": "5.00",
        "outcome": "right",
        "feedback": ["Now with feedback.", "Lyon, now."],
    }
    assert new["results"][1]["outcome"] == "partly"


def test_regrade_keeps_the_served_questions_and_order():
    value = quiz(*every_kind(), shuffle_questions=True, shuffle_choices=True, draw=4)
    before = grading.build_snapshot(value, random.Random(11))
    after = grading.regrade_snapshot(before, value)
    assert after == before


def test_regrade_keeps_a_deleted_question_as_it_was():
    before = snapshot_of(single(), true_false(answer="false"), numeric())
    changed = true_false(answer="true", points="2")
    after = grading.regrade_snapshot(before, quiz(changed, numeric(tolerance="1")))
    assert after["questions"][0] == before["questions"][0]
    assert after["questions"][1]["answer"] == "true"
    assert Decimal(after["questions"][1]["points"]) == 2
    assert Decimal(after["questions"][2]["tolerance"]) == 1
    assert [q["id"] for q in after["questions"]] == ["sc", "tf", "nu"]


def test_regrade_does_not_add_questions_added_since():
    before = snapshot_of(single())
    after = grading.regrade_snapshot(before, quiz(single(), true_false()))
    assert [q["id"] for q in after["questions"]] == ["sc"]


def test_regrade_matches_choices_by_text_when_ids_changed():
    before = snapshot_of(single())
    renamed = single()
    for n, raw in enumerate(renamed["value"]["choices"]):
        raw["id"] = f"new-{n}"
    renamed["value"]["choices"][0]["value"]["correct"] = False
    renamed["value"]["choices"][2]["value"]["correct"] = True
    after = grading.regrade_snapshot(before, quiz(renamed))
    assert [(c["id"], c["correct"]) for c in after["questions"][0]["choices"]] == [
        ("sc-a", False),
        ("sc-b", False),
        ("sc-c", True),
    ]


def test_regrade_a_deleted_choice_stays_as_it_was():
    before = snapshot_of(single())
    fewer = single()
    del fewer["value"]["choices"][0]
    fewer["value"]["choices"][0]["value"]["correct"] = True
    after = grading.regrade_snapshot(before, quiz(fewer))
    choices = after["questions"][0]["choices"]
    assert [c["id"] for c in choices] == ["sc-a", "sc-b", "sc-c"]
    assert choices[0]["correct"] is True
    assert choices[1]["correct"] is True


def test_regrade_short_text_and_ordering():
    before = snapshot_of(short_text(), ordering())
    served = [i["id"] for i in before["questions"][1]["items"]]
    new_short = short_text(accepted=("Countess of Lovelace",))
    reordered = ordering()
    reordered["value"]["items"].reverse()
    after = grading.regrade_snapshot(before, quiz(new_short, reordered))
    assert after["questions"][0]["accepted"] == ["Countess of Lovelace"]
    assert after["questions"][1]["order"] == ["or-3", "or-2", "or-1", "or-0"]
    assert [i["id"] for i in after["questions"][1]["items"]] == served


def test_regrade_ordering_with_an_item_deleted_keeps_its_place():
    before = snapshot_of(ordering())
    changed = ordering()
    del changed["value"]["items"][1]
    changed["value"]["items"].reverse()
    after = grading.regrade_snapshot(before, quiz(changed))
    assert after["questions"][0]["order"] == ["or-3", "or-1", "or-2", "or-0"]


def test_regrade_of_junk_snapshot_does_not_raise():
    assert grading.regrade_snapshot({}, quiz(single())) == {}
    assert grading.regrade_snapshot({"questions": None}, quiz(single())) == {
        "questions": None
    }


def test_lone_surrogates_never_reach_the_database_as_they_came():
    """Valid JSON, but no text PostgreSQL's JSON can store (a 500, a lost save)."""
    snapshot = snapshot_of(*every_kind())
    text_id = next(q["id"] for q in snapshot["questions"] if q["kind"] == "short_text")
    answers = grading.parse_answers(snapshot, json.dumps({f"q-{text_id}": "a\ud800b"}))
    answers[text_id].encode("utf-8")  # raises on a surrogate
    assert answers[text_id] == "a?b"


def test_wagtail_keeps_a_list_items_stored_id_apart():
    """The adapter over Wagtail's ListChild.original_id (assessment.grading)."""
    block = blocks.ListBlock(ChoiceBlock())
    stored = block.to_python(
        [{"type": "item", "id": "kept", "value": {"text": "A", "correct": True}}]
    )
    legacy = block.to_python([{"text": "B", "correct": False}])
    assert grading.stored_item_id(stored.bound_blocks[0]) == "kept"
    assert grading.stored_item_id(legacy.bound_blocks[0]) is None
    assert legacy.bound_blocks[0].id  # the id Wagtail invents for it
