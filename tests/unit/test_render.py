"""Neutral rendering: what every channel starts from."""

from core.render import answer_action, parse_answer_action, unwrap


def test_unwrap_joins_hard_wrapped_lines_but_keeps_lists_and_paragraphs() -> None:
    text = "A lesson wrapped\nby its author.\n\n- first item\n- second item\n  continued\n\nNext paragraph\nhere."
    assert unwrap(text) == (
        "A lesson wrapped by its author.\n\n- first item\n- second item continued\n\nNext paragraph here."
    )


def test_answer_actions_round_trip_and_fit_telegram_callback_data() -> None:
    action = answer_action(2_147_483_647, 5)
    assert parse_answer_action(action) == (2_147_483_647, 5)
    assert len(action.encode()) <= 64
    assert parse_answer_action("tz:Europe/Berlin") is None
    assert parse_answer_action("a:1:x") is None
