"""The shape of a rule pack, as strict pydantic models.

A misspelt key must never be a silent no-op (Vale's lesson), so every model forbids extra
keys; the loader turns validation errors into file:line messages with a hint.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..models import CONVERSATION_CATEGORIES, SIGNAL_KINDS, Applicability, Category, Severity, SignalKind


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ConversationSpec(_Strict):
    """A conversation rule: it judges the agent's reply to customer turns in which one of its
    signal rules (customer-side rules, `speaker: customer`) fired. Run by QA scoring
    (`phrasecoach score`, `score_conversation`), never on a single message."""

    signals: list[str] = Field(
        min_length=1,
        description="The customer-side rules that call for this rule, as selectors: rule ids, id "
                    "prefixes, names, categories or pack ids (as --select).")
    acknowledged_by: list[str] = Field(
        default_factory=list,
        description="Selectors of agent-side rules (e.g. `empathy`, every strength): a reply in "
                    "which one of them fires acknowledges the customer. The rule's `unless:` "
                    "vetoes say so in words (scope `text`: the reply turn; `context`: the "
                    "customer's turns it answers).")


class MatchSpec(_Strict):
    """What a rule matches: exactly one of phrases, regex, tokens, dependency, detector or
    conversation."""

    phrases: list[str] | None = Field(
        default=None,
        description="Plain phrases; contractions, apostrophes and case are handled for you. "
                    "`{~take}` is every form of a word, `(it|this)` a choice, `[a bit|a little]` "
                    "an optional choice.")
    regex: list[str] | None = Field(
        default=None, description="Python regular expressions (case-insensitive unless (?-i)).")
    tokens: list[list[dict]] | None = Field(
        default=None, description="spaCy Matcher token patterns (a list of patterns).")
    dependency: list[list[dict]] | None = Field(
        default=None,
        description="spaCy DependencyMatcher patterns (a list of patterns), for structure a word "
                    "list cannot express. Needs a `trigger`, or a literal word in the pattern.")
    detector: str | None = Field(default=None, description="A named Python detector.")
    conversation: ConversationSpec | None = Field(
        default=None, description="A conversation rule (QA scoring): the agent's reply to the "
                                  "customer turns in which its signal rules fired.")
    options: dict = Field(default_factory=dict, description="Options for the detector.")
    span: Literal["match", "sentence"] = Field(
        default="match", description="What the finding covers: the match or its whole sentence.")
    trigger: str | None = Field(
        default=None,
        description="For token patterns: a regex a sentence must contain before it is parsed.")

    @field_validator("regex", "phrases", mode="before")
    @classmethod
    def _one_to_list(cls, v):
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in ("phrases", "regex", "tokens", "dependency", "detector", "conversation")
                 if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of phrases, regex, tokens, dependency, detector or conversation"
                + (f" (got {', '.join(given)})" if given else " (got none)"))
        if self.options and not self.detector:
            raise ValueError("options are only for a detector")
        return self


class ExceptionSpec(_Strict):
    """A veto: when it matches in its scope, the rule's match is dropped."""

    phrases: list[str] | None = None
    regex: list[str] | None = None
    echo: bool = Field(
        default=False,
        description="With scope `context`: veto when the customer's message holds the matched "
                    "words (an acronym the customer wrote first is not jargon).")
    scope: Literal["match", "before", "after", "sentence", "text", "context"] = Field(
        default="sentence",
        description="Where the veto looks; `context` is the customer's last message, when the "
                    "caller gives it (Coach.check(text, context=...), --context, `context` in HTTP).")

    @field_validator("regex", "phrases", mode="before")
    @classmethod
    def _one_to_list(cls, v):
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _exactly_one(self):
        if self.echo:
            if self.scope != "context" or self.phrases or self.regex:
                raise ValueError("`echo: true` stands alone, with `scope: context`")
            return self
        if bool(self.phrases) == bool(self.regex):
            raise ValueError("an exception gives exactly one of phrases or regex (or echo)")
        return self


class RequirementSpec(_Strict):
    """A condition the rule's match needs (the opposite of a veto): every one must hold."""

    signals: list[str] | None = Field(
        default=None,
        description="Customer-side rules (`speaker: customer`) by id, name or the kind of signal "
                    "they show (" + ", ".join(SIGNAL_KINDS) + "): one of them "
                    "must fire on the customer's last message (`context`). Without a context the "
                    "condition does not hold, so the rule stays silent.")
    phrases: list[str] | None = None
    regex: list[str] | None = None
    any_of: list["RequirementSpec"] | None = Field(
        default=None,
        description="Alternatives, each a requirement of its own (signals, phrases or regex with "
                    "its scope): the condition holds when one of them does. No nesting.")
    scope: Literal["match", "before", "after", "sentence", "text", "context"] = Field(
        default="context",
        description="Where `phrases` or `regex` must match (`signals` always read the context).")

    @field_validator("regex", "phrases", "signals", mode="before")
    @classmethod
    def _one_to_list(cls, v):
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in ("signals", "phrases", "regex", "any_of") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("a requirement gives exactly one of signals, phrases, regex or any_of")
        if self.signals and self.scope != "context":
            raise ValueError("`signals` read the customer's message: leave `scope` out (or `context`)")
        if self.any_of is not None:
            if "scope" in self.model_fields_set:
                raise ValueError("`any_of` takes no `scope`: give each alternative its own")
            if any(a.any_of for a in self.any_of):
                raise ValueError("an `any_of` alternative is signals, phrases or regex, not another any_of")
        return self

    @property
    def reads_context(self) -> bool:
        """Does the condition read the customer's message (signals always do)? Then it cannot
        hold where no message is given (an `any_of`: only when every alternative reads it)."""
        if self.any_of:
            return all(a.reads_context for a in self.any_of)
        return self.scope == "context"

    @property
    def alternatives(self) -> list["RequirementSpec"]:
        """The conditions of which one must hold: the `any_of` list, or this one alone."""
        return self.any_of or [self]


class SuggestionSpec(_Strict):
    replacement: str = Field(
        description="Template for the text replacing the finding's span: {match}, {before}, "
                    "{after}, {sentence}, or a named regex group, with filters such as |ucfirst.")
    applicability: Applicability
    title: str = ""
    when: list[str] = Field(
        default_factory=list,
        description="Offer this suggestion only when the sentence has (or has no) text before "
                    "or after the match (`before`, `no-before`, `after`, `no-after`), or, on a "
                    "detector rule, when the detector raised (or did not raise) a flag: "
                    "`split-unsure`, `no-third-party` ... (checked when the rule is compiled).")
    unsafe_if: str | None = Field(
        default=None,
        description="A regex ({lexicon} classes allowed) searched in the finding's sentence: where "
                    "it matches, this suggestion is offered as `unsafe`, for a person to review, "
                    "however `applicability` reads (a conditional clause, advice for next time).")


class FlagExample(_Strict):
    text: str = Field(description="Text the rule must flag, with the flagged span in [[ ]].")
    context: str | None = Field(default=None, description="The customer's last message, if it matters.")
    rewrite: str | None = Field(
        default=None, description="Exact text after applying this rule's safe suggestion.")
    suggestion: str | None = Field(
        default=None, description="Exact replacement of the best suggestion, of any applicability.")

    @field_validator("text")
    @classmethod
    def _marked(cls, v: str) -> str:
        if v.count("[[") != 1 or v.count("]]") != 1 or v.index("[[") > v.index("]]"):
            raise ValueError("mark the flagged span once, as [[...]]")
        return v

    @property
    def plain(self) -> str:
        return self.text.replace("[[", "").replace("]]", "")

    @property
    def span(self) -> tuple[int, int]:
        s = self.text.index("[[")
        e = self.text.index("]]") - 2
        return s, e


class PassExample(_Strict):
    text: str = Field(description="Text the rule must leave alone.")
    context: str | None = Field(default=None, description="The customer's last message, if it matters.")

    def dump(self) -> str | dict:
        return self.text if self.context is None else {"text": self.text, "context": self.context}


class Examples(_Strict):
    flag: list[FlagExample] = Field(min_length=1)
    pass_: list[PassExample] = Field(alias="pass", min_length=1)

    @field_validator("flag", "pass_", mode="before")
    @classmethod
    def _strings_ok(cls, v):
        if isinstance(v, list):
            return [{"text": x} if isinstance(x, str) else x for x in v]
        return v


RULE_ID = re.compile(r"^[A-Z]{2,6}\d{3,4}$")
RULE_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
LEXICON_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


class RuleSpec(_Strict):
    id: str = Field(description="Permanent code, e.g. PC101. Never reused.")
    name: str = Field(description="Kebab-case name of the pattern flagged (not of the fix).")
    category: Category
    severity: Severity = Severity.warning
    message: str
    why: str
    match: MatchSpec
    unless: list[ExceptionSpec] = Field(default_factory=list)
    requires: list[RequirementSpec] = Field(
        default_factory=list,
        description="Conditions the match needs, all of them: the customer upset (`signals:`), or "
                    "words in a scope. A rule that reads the customer's message this way is "
                    "silent where no context is given.")
    suggest: list[SuggestionSpec] = Field(default_factory=list, max_length=3)
    priority: int = Field(default=0, description="Higher wins when findings overlap.")
    status: Literal["stable", "deprecated"] = "stable"
    level: Literal["default", "picky", "preview"] = Field(
        default="default",
        description="Who sees it: `default` for everyone, `picky` and `preview` only when asked "
                    "for (--level). A bundled rule is `default` only when its precision measured "
                    "on real agent turns clears the bar in phrasecoach.levels.")
    speaker: Literal["agent", "customer"] = Field(
        default="agent",
        description="Whose words the rule reads. `customer`: a signal rule, run by QA scoring on "
                    "the customer's turns only, for the conversation rules that list it; its "
                    "examples are customer texts.")
    signal: SignalKind | None = Field(
        default=None,
        description="For a customer-side rule: what the customer shows ("
                    + ", ".join(SIGNAL_KINDS) + ").")
    examples: Examples

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not RULE_ID.match(v):
            raise ValueError("a rule id is 2-6 capital letters and 3-4 digits, e.g. PC101 or ACME001")
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not RULE_NAME.match(v):
            raise ValueError("a rule name is kebab-case, e.g. bare-noun-request")
        return v

    @model_validator(mode="after")
    def _conversation(self):
        """Customer-side and conversation rules belong to a conversation category, and only they."""
        conv_cat = self.category in CONVERSATION_CATEGORIES
        if self.speaker == "customer":
            if not conv_cat:
                raise ValueError(f"a customer-side rule (speaker: customer) has a conversation "
                                 f"category ({', '.join(CONVERSATION_CATEGORIES)})")
            if self.signal is None:
                raise ValueError("a customer-side rule says what it shows: `signal: "
                                 + SIGNAL_KINDS[0] + "`, or " + ", ".join(SIGNAL_KINDS[1:]))
            if not (self.match.phrases or self.match.regex or self.match.detector):
                raise ValueError("a customer-side rule matches with phrases, regex or a detector")
        elif self.signal is not None:
            raise ValueError("`signal:` is only for a customer-side rule (speaker: customer)")
        if self.requires and (self.speaker == "customer" or self.match.conversation is not None):
            raise ValueError("`requires:` is for rules on the agent's messages, not for customer-side "
                             "or conversation rules")
        if any(r.reads_context for r in self.requires) and any(
                ex.context is None for ex in self.examples.flag):
            raise ValueError("a rule that `requires:` something of the customer's message gives that "
                             "message as `context:` in each flag example")
        if self.match.conversation is not None:
            if not conv_cat:
                raise ValueError(f"a conversation rule has a conversation category "
                                 f"({', '.join(CONVERSATION_CATEGORIES)})")
            if self.speaker != "agent":
                raise ValueError("a conversation rule judges the agent's reply (speaker: agent)")
            if any(ex.context is None for ex in self.examples.flag):
                raise ValueError("each flag example of a conversation rule gives the customer's "
                                 "message it answers as `context:`")
        elif conv_cat and self.speaker != "customer":
            raise ValueError(f"category `{self.category}` is for conversation rules (match: "
                             "conversation) and their customer-side signals (speaker: customer)")
        return self


class RuleFile(_Strict):
    rules: list[RuleSpec] = Field(min_length=1)


class PackMeta(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: str
    description: str = ""
    version: str = "1"
    glossary: str | None = Field(default=None, description="A glossary file in the pack folder.")
    lexicons: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Named word classes, written `{name}` inside any rule's regexes (match, "
                    "unless, trigger): each entry is a regex alternative. A later pack's class of "
                    "the same name adds to it.")

    @field_validator("lexicons")
    @classmethod
    def _lexicon_names(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, entries in v.items():
            if not LEXICON_NAME.match(name):
                raise ValueError(f"lexicon name `{name}`: use lower-case letters, digits and - or _")
            if not entries:
                raise ValueError(f"lexicon `{name}` is empty")
        return v


class Glossary(_Strict):
    terms: dict[str, str] = Field(description="Term or acronym -> plain wording for a customer.")
