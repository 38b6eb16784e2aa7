"""A real LanguageTool client library (language_tool_python) against phrasecoach's /v2 API.

`remote_server=` makes the library talk to our server over HTTP (it joins the URL with
`v2/` itself) instead of downloading and starting LanguageTool; nothing here needs Java or
the network beyond 127.0.0.1.
"""

from __future__ import annotations

import pytest

language_tool_python = pytest.importorskip("language_tool_python")

from service_support import make_app, running_server  # noqa: E402


@pytest.fixture(scope="module")
def url():
    with running_server(make_app()) as base:
        yield base


@pytest.fixture()
def tool(url):
    t = language_tool_python.LanguageTool("en-US", remote_server=url)
    yield t
    t.close()


def test_client_gets_matches(tool):
    matches = tool.check("Date of birth?")
    assert len(matches) == 1
    m = matches[0]
    assert m.rule_id == "PC101" and m.category == "COMMAND" and m.rule_issue_type == "style"
    assert (m.offset, m.error_length) == (0, 14)
    assert m.replacements[0] == "May I have your date of birth?"
    assert m.sentence == "Date of birth?" and m.matched_text == "Date of birth?"
    assert "demand" in m.message


def test_client_correct_applies_the_first_replacement(tool):
    text = "Thanks for waiting. Date of birth?"
    assert tool.correct(text) == "Thanks for waiting. May I have your date of birth?"


def test_client_offsets_line_up_with_emoji(tool):
    # The client converts LanguageTool's UTF-16 offsets to Python indices itself; they only
    # land on the right span if the server counted UTF-16 code units.
    text = "Sorry 😀😀 about that 🙏. Calm down. Date of birth?"
    found = {m.rule_id: text[m.offset:m.offset + m.error_length] for m in tool.check(text)}
    assert found["PC101"] == "Date of birth?"
    assert found["PC401"].startswith("Calm down")


def test_client_rule_selection_and_picky(tool):
    text = "Date of birth? Calm down."
    assert {m.rule_id for m in tool.check(text)} == {"PC101", "PC401"}
    tool.disabled_rules = {"PC101", "UPPERCASE_SENTENCE_START"}
    assert {m.rule_id for m in tool.check(text)} == {"PC401"}
    tool.disabled_rules = set()
    tool.enabled_rules = {"PC101"}
    tool.enabled_rules_only = True
    assert {m.rule_id for m in tool.check(text)} == {"PC101"}
    tool.enabled_rules, tool.enabled_rules_only = set(), False
    tool.disabled_categories = {"COMMAND"}
    assert {m.rule_id for m in tool.check(text)} == {"PC401"}
    tool.disabled_categories = set()
    info_text = "Done. Anything else?"
    assert "PC605" not in {m.rule_id for m in tool.check(info_text)}
    tool.picky = True
    assert "PC605" in {m.rule_id for m in tool.check(info_text)}


def test_client_languages(url):
    with language_tool_python.LanguageTool("en-GB", remote_server=url) as gb:
        assert str(gb.language) == "en-GB"
        assert gb.check("Date of birth?")[0].rule_id == "PC101"
    with language_tool_python.LanguageTool("auto", remote_server=url) as auto:
        assert auto.check("Calm down.")[0].rule_id == "PC401"
    with pytest.raises(ValueError):
        language_tool_python.LanguageTool("de-DE", remote_server=url)


# ---- applicability: only safe suggestions are replacements a client may apply -------------------
def test_correct_never_applies_an_unsafe_suggestion(tool):
    assert tool.correct("That's not what happened.") == "That's not what happened."
    assert tool.correct("Date of birth?") == "May I have your date of birth?"
    both = "Date of birth? That's not what happened. Calm down."
    assert tool.correct(both) == "May I have your date of birth? That's not what happened. Calm down."


def test_without_a_safe_replacement_the_message_quotes_the_best_suggestion(tool):
    [m] = tool.check("That's not what happened.")
    assert m.rule_id == "PC201" and m.replacements == []
    assert m.message.endswith("Check the nuance first: “Perhaps there's been a mix-up — could you "
                              "tell me more about what you saw?”")
    [dob] = tool.check("Date of birth?")
    assert dob.replacements == ["May I have your date of birth?"]  # the unsafe alternative is held back
    assert dob.message == "A bare noun phrase reads as a demand; ask for it instead."


class ReviewingClient(language_tool_python.LanguageTool):
    """A client whose user reviews every replacement asks for unsafe ones too (the documented
    `applicability` parameter)."""

    def _create_params(self, text):
        params = super()._create_params(text)
        params["applicability"] = "unsafe"
        return params


def test_a_client_may_ask_for_unsafe_replacements(url):
    with ReviewingClient("en-US", remote_server=url) as tool:
        [m] = tool.check("That's not what happened.")
        assert m.replacements == ["Perhaps there's been a mix-up — could you tell me more about what you saw?"]
        assert "Check the nuance" not in m.message
        [dob] = tool.check("Date of birth?")
        assert dob.replacements == ["May I have your date of birth?", "Could you share your date of birth?"]


# ---- a server at the default level: `picky` and named rules reach the picky rules -----------------
@pytest.fixture(scope="module")
def default_url():
    from phrasecoach import Coach
    from phrasecoach.config import load_settings
    from phrasecoach.service import create_app

    settings = load_settings(level="default")
    with running_server(create_app(settings, coach=Coach(settings=settings).warm())) as base:
        yield base


def test_on_a_default_server_the_client_asks_for_picky_rules(default_url):
    with language_tool_python.LanguageTool("en-US", remote_server=default_url) as tool:
        assert "PC101" not in {m.rule_id for m in tool.check("Date of birth?")}  # PC101 is picky
        assert tool.correct("Date of birth?") == "Date of birth?"
        tool.picky = True  # LanguageTool's level=picky
        assert tool.correct("Date of birth?") == "May I have your date of birth?"
        assert tool.correct("That's not what happened.") == "That's not what happened."
        tool.picky = False
        tool.enabled_rules = {"PC101"}  # named, it runs whatever its level
        assert [m.rule_id for m in tool.check("Date of birth?")] == ["PC101"]
        tool.enabled_rules_only = True
        assert [m.rule_id for m in tool.check("Date of birth? Calm down.")] == ["PC101"]
