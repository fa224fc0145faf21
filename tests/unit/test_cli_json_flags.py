"""Every command that prints takes --json; the narrated demo is the exception."""

from __future__ import annotations

import argparse

from cli.main import build_parser

WITHOUT_JSON = {"demo"}  # a walkthrough for people, not an interface for scripts


def test_every_command_but_the_demo_takes_json():
    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    missing = sorted(
        name
        for name, command in sub.choices.items()
        if not any("--json" in action.option_strings for action in command._actions)
    )
    assert missing == sorted(WITHOUT_JSON)
    assert len(sub.choices) >= 20  # the whole command set was looked at
