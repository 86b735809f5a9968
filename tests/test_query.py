"""The query language: parser, errors, hand-checked evaluation, and select() against matches()."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.model import Article, Image, Provider, RelatedArticle, TriageState, Urls
from reader.query import (
    Age,
    And,
    Compare,
    DateBound,
    Flag,
    Match,
    Not,
    Or,
    QueryContext,
    QueryError,
    QueryIndex,
    Text,
    matches,
    parse_query,
    uses_links,
    uses_state,
    uses_time,
)

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def root(text: str):
    return parse_query(text).root


# --------------------------------------------------------------------------------------------
# Parser: terms


@pytest.mark.parametrize(
    ("text", "node"),
    [
        ("robot", Text("robot")),
        ('"open ai"', Text("open ai")),
        ('"say \\"hi\\" \\\\ now"', Text('say "hi" \\ now')),
        ("topic:AI", Match("topic", "AI")),
        ('topic:"AI Ethics"', Match("topic", "AI Ethics")),
        ("Topic:ai", Match("topic", "ai")),
        ("provider:verge", Match("provider", "verge")),
        ("category:news", Match("category", "news")),
        ("type:video", Match("type", "video")),
        ("tag:later", Match("tag", "later")),
        ("is:read", Flag("is", "read")),
        ("is:UNREAD", Flag("is", "unread")),
        ("is:starred", Flag("is", "starred")),
        ("is:archived", Flag("is", "archived")),
        ("has:original", Flag("has", "original")),
        ("has:amp", Flag("has", "amp")),
        ("has:image", Flag("has", "image")),
        ("has:related", Flag("has", "related")),
        ("has:body", Flag("has", "body")),
        ("link:alive", Flag("link", "alive")),
        ("link:broken", Flag("link", "broken")),
        ("link:unchecked", Flag("link", "unchecked")),
        ("quality>80", Compare("quality", ">", 80)),
        ("quality>=80", Compare("quality", ">=", 80)),
        ("quality<80", Compare("quality", "<", 80)),
        ("quality<=80", Compare("quality", "<=", 80)),
        ("quality=80", Compare("quality", "=", 80)),
        ("quality:>80", Compare("quality", ">", 80)),
        ("quality:<=7", Compare("quality", "<=", 7)),
        ("quality:80", Compare("quality", "=", 80)),
        ("heat>-1", Compare("heat", ">", -1)),
        ("heat=-1", Compare("heat", "=", -1)),
        ("after:2024-05-31", DateBound("after", date(2024, 5, 31))),
        ("before:2024-02-29", DateBound("before", date(2024, 2, 29))),
        ("age<3d", Age("<", 3 * 86400, "3d")),
        ("age<12h", Age("<", 12 * 3600, "12h")),
        ("age>90m", Age(">", 90 * 60, "90m")),
        ("age>=2w", Age(">=", 2 * 604800, "2w")),
        ("age<=1d", Age("<=", 86400, "1d")),
        ("age:<3d", Age("<", 3 * 86400, "3d")),
        # Not fields: free text.
        ("http://example.com/a", Text("http://example.com/a")),
        ("Breaking:", Text("Breaking:")),
        ('"foo:bar"', Text("foo:bar")),
        ("10:30", Text("10:30")),
        ("state-of-the-art", Text("state-of-the-art")),
        ("or", Text("or")),
        ('"OR"', Text("OR")),
    ],
)
def test_each_term_kind(text: str, node) -> None:
    assert root(text) == node


def test_free_words_are_anded() -> None:
    assert root("open  model") == And((Text("open"), Text("model")))
    assert root('ai "open source" x') == And((Text("ai"), Text("open source"), Text("x")))


def test_words_end_at_parentheses_and_quotes() -> None:
    assert root("(a)b") == And((Text("a"), Text("b")))
    assert root('a"b c"') == And((Text("a"), Text("b c")))


def test_negation() -> None:
    assert root("-robot") == Not(Text("robot"))
    assert root('-"open ai"') == Not(Text("open ai"))
    assert root("-topic:ai") == Not(Match("topic", "ai"))
    assert root("-(a OR b)") == Not(Or((Text("a"), Text("b"))))
    assert root("--a") == Not(Not(Text("a")))
    assert root("a-b") == Text("a-b")  # only a leading '-' negates


def test_or_and_explicit_and() -> None:
    assert root("a OR b") == Or((Text("a"), Text("b")))
    assert root("a OR b OR c") == Or((Text("a"), Text("b"), Text("c")))
    assert root("a AND b") == root("a b") == And((Text("a"), Text("b")))


def test_precedence_not_over_and_over_or() -> None:
    a, b, c, d = (Text(x) for x in "abcd")
    assert root("a b OR c d") == Or((And((a, b)), And((c, d))))
    assert root("a AND b OR c") == Or((And((a, b)), c))
    assert root("a (b OR c) d") == And((a, Or((b, c)), d))
    assert root("-a b") == And((Not(a), b))
    assert root("-a OR b") == Or((Not(a), b))
    assert root("((a))") == a
    assert root("(a b) c") == And((a, b, c))  # nested ANDs flatten


def test_empty_query_matches_everything() -> None:
    for text in ("", "   ", "\t\n"):
        query = parse_query(text)
        assert query.is_empty and query.root is None
        assert str(query) == ""
    assert not parse_query("a").is_empty
    index = QueryIndex(ARTICLES)
    assert index.select(parse_query(""), CONTEXT) == list(range(len(ARTICLES)))
    assert index.select(parse_query(""), CONTEXT, within=[3, 1]) == [3, 1]
    assert matches(parse_query(" "), ARTICLES[0])


def test_str_is_normalised_and_reparses() -> None:
    query = parse_query('  ai   AND (topic:"AI Ethics" OR -quality:>80)  "x y" ')
    assert query.text == '  ai   AND (topic:"AI Ethics" OR -quality:>80)  "x y" '
    assert str(query) == 'ai (topic:"AI Ethics" OR -quality>80) "x y"'
    assert parse_query(str(query)).root == query.root
    assert str(parse_query("-(a b) http://x")) == '-(a b) "http://x"'


def test_uses_state_links_time() -> None:
    assert uses_state(parse_query("a (b OR -is:read)"))
    assert uses_state(parse_query("tag:x"))
    assert not uses_state(parse_query("topic:ai link:alive age<3d"))
    assert uses_links(parse_query("-(link:broken)"))
    assert not uses_links(parse_query("is:read"))
    assert uses_time(parse_query("a OR age>1w"))
    assert not uses_time(parse_query("after:2024-01-01"))
    assert not uses_state(parse_query(""))


# --------------------------------------------------------------------------------------------
# Parser: errors


@pytest.mark.parametrize(
    ("text", "position", "expected_part"),
    [
        ('ai "open source', 3, "closing '\"'"),
        ('topic:"AI', 6, "closing '\"'"),
        ("(a b", 4, "')' to close the '(' at position 0"),
        ("x (a (b) c", 10, "')' to close the '(' at position 2"),
        ("a b)", 3, "')' has no '('"),
        (") a", 0, "')': it has no '('"),
        ("quality>", 8, "a value after 'quality>'"),
        ("ai quality>= x", 12, "a value after 'quality>='"),
        ("quality>abc", 8, "a whole number after 'quality>'"),
        ("quality>8.5", 8, "a whole number"),
        ("heat:", 5, "a value after 'heat:'"),
        ("after:2023-13-45", 6, "a valid date YYYY-MM-DD after 'after:'"),
        ("before:2023-1-5", 7, "a date YYYY-MM-DD after 'before:'"),
        ("after:", 6, "a value after 'after:'"),
        ("is:foo", 3, "one of read, unread, starred, archived after 'is:'"),
        ("has:pdf", 4, "one of original, amp, image, related, body"),
        ("link:dead", 5, "one of alive, broken, unchecked"),
        ("age<3x", 4, "a duration like 3d or 12h"),
        ("age<", 4, "a value after 'age<'"),
        ("age=3d", 3, "'<', '<=', '>' or '>=' after 'age'"),
        ("age:3d", 3, "'<', '<=', '>' or '>=' after 'age'"),
        ("topic>3", 5, "':' after 'topic'"),
        ("topic:", 6, "a value after 'topic:'"),
        ('topic:""', 7, "a value after 'topic:'"),
        ("a OR", 4, "a term after 'OR'"),
        ("a OR  ", 6, "a term after 'OR'"),
        ("OR a", 0, "a term before 'OR'"),
        ("a OR OR b", 5, "a term after 'OR'"),
        ("a AND", 5, "a term after 'AND'"),
        ("a (OR b)", 3, "a term after '('"),
        ("()", 1, "a term after '('"),
        ("a -", 3, "a term after '-'"),
        ("a - b", 3, "a term after '-'"),
        ("-)", 1, "a term after '-'"),
        ("a -OR b", 3, "a term after '-'"),
        ("ai topci:ethics", 3, "a known field before ':'"),
        ('foo:"bar"', 0, "a known field before ':'"),
    ],
)
def test_errors_name_position_and_expectation(text: str, position: int, expected_part: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(text)
    error = info.value
    assert error.position == position
    assert expected_part in error.expected
    assert str(error) == f"position {position}: expected {error.expected}"
    assert isinstance(error, ValueError)


def test_unknown_field_error_lists_the_fields() -> None:
    with pytest.raises(QueryError) as info:
        parse_query("foo:bar")
    for name in ("topic", "provider", "is", "has", "link", "quality", "age", "after"):
        assert name in info.value.expected
    assert "foo" in info.value.expected


def test_huge_number_is_a_query_error() -> None:
    with pytest.raises(QueryError):
        parse_query("quality>" + "9" * 5000)
    assert root("age<" + "9" * 30 + "w") == Age("<", int("9" * 30) * 604800, "9" * 30 + "w")


# --------------------------------------------------------------------------------------------
# Evaluation over hand-built articles (expectations worked out by hand from the table below)


def art(key: str, title: str, **fields) -> Article:
    fields.setdefault("category", "news")
    fields.setdefault("type", "article")
    return Article(id=key, path=f"{key}.md", title=title, **fields)


ARTICLES = [
    art(
        "a1",
        "OpenAI releases new model",
        excerpt="A big language model launch.",
        provider=Provider("TechCrunch", "techcrunch.com"),
        topics=("AI", "Machine Learning"),
        quality=120,
        heat=50,
        published=NOW - timedelta(hours=1),
        urls=Urls(original="https://o/1", web="https://w/1"),
        images=(Image("https://i/1.png"),),
    ),
    art(
        "a2",
        "Robots in the kitchen",
        excerpt="Cooking robots are here",
        provider=Provider("The Verge", "theverge.com"),
        topics=("Robotics",),
        quality=80,
        heat=-1,
        published=NOW - timedelta(days=2),
        type="video",
        urls=Urls(web="https://w/2", amp="https://a/2", cdn_amp="https://c/2"),
        related=(RelatedArticle("Other robots"),),
    ),
    art(
        "a3",
        "AI Ethics board formed",
        excerpt="Ethics experts gather",
        provider=Provider("Wired", "wired.com"),
        topics=("AI Ethics", "Policy"),
        published=datetime(2024, 5, 31, 23, 59, 59, tzinfo=UTC),
        body="Full text here.",
    ),
    art(
        "a4",
        "Climate and AI",
        excerpt="Data centers use energy",
        provider=Provider("Reuters", "reuters.com"),
        topics=("Climate", "AI"),
        quality=81,
        heat=10,
        published=datetime(2024, 5, 25, tzinfo=UTC),
        category="events",
        type="conference",
        urls=Urls(cdn_amp="https://c/4"),
    ),
    art(
        "a5",
        "Quarterly earnings",
        excerpt="Chip maker beats estimates",
        provider=Provider("Bloomberg", "bloomberg.com"),
        topics=("Finance",),
        quality=30,
        body="   \n",
    ),
    art(
        "a6",
        "Die Straße der Zukunft",
        provider=Provider("Heise", "heise.de"),
        topics=("Mobility",),
        quality=79,
        heat=5,
        published=datetime(2024, 6, 1, tzinfo=UTC),
    ),
    art(
        "a7",
        "Ends with open",
        excerpt="ai begins here",
        provider=Provider("Open Source Weekly", "oss.example"),
        topics=("Software",),
        quality=150,
        published=NOW - timedelta(days=3),
    ),
    art(
        "a8",
        "AI Summit 2024",
        provider=Provider("Events Inc", "events.example"),
        topics=("AI", "Conference"),
        heat=99,
        published=datetime(2024, 6, 10, 9, 0, tzinfo=UTC),
        category="event",
        type="conference",
        urls=Urls(website="https://e/8"),
    ),
    art(
        "a9",
        "Old news",
        provider=Provider("Archive", "archive.org"),
        topics=("History",),
        quality=0,
        heat=0,
        published=datetime(2020, 1, 1, tzinfo=UTC),
        urls=Urls(original="https://o/9"),
        images=(Image("https://i/9.png"),),
    ),
    art(
        "a10",
        "The Verge podcast",
        excerpt="Talking about open AI models",
        provider=Provider("The Verge", "theverge.com"),
        topics=("Podcast", "AI"),
        quality=100,
        published=NOW - timedelta(days=1),
        type="video",
    ),
]
STATES = {
    "a1": TriageState(read=True, starred=True, tags=("later",)),
    "a2": TriageState(archived=True, tags=("Work",)),
    "a3": TriageState(starred=True),
    "a9": TriageState(read=True, archived=True),
}
LINKS = {"a1": "alive", "a2": "broken", "a4": "alive", "a9": "broken"}
CONTEXT = QueryContext(states=STATES, link_status=LINKS, now=NOW)
ALL = [f"a{i}" for i in range(1, 11)]


def but(*excluded: str) -> list[str]:
    return [key for key in ALL if key not in excluded]


HAND_CASES = [
    ("ai", ["a1", "a3", "a4", "a7", "a8", "a10"]),
    ("AI", ["a1", "a3", "a4", "a7", "a8", "a10"]),
    ('"open ai"', ["a10"]),  # a7 has "open" ending its title and "ai" opening its excerpt
    ("open ai", ["a1", "a7", "a10"]),
    ("strasse", ["a6"]),
    ("STRASSE", ["a6"]),
    ("straße", ["a6"]),
    ("robot kitchen", ["a2"]),
    ("robot -kitchen", []),
    ("verge", ["a2", "a10"]),  # provider name is searched
    ("theverge", []),  # provider domain is not free text
    ("machine", ["a1"]),  # topics are searched
    ("topic:ai", ["a1", "a4", "a8", "a10"]),
    ('topic:"ai ethics"', ["a3"]),
    ("topic:ethics", []),  # equality, not substring
    ("provider:verge", ["a2", "a10"]),
    ("provider:THEVERGE.COM", ["a2", "a10"]),
    ("provider:.org", ["a9"]),
    ("type:video", ["a2", "a10"]),
    ("type:VIDEO", ["a2", "a10"]),
    ("category:events", ["a4"]),
    ("category:news", but("a4", "a8")),
    ("tag:later", ["a1"]),
    ("tag:work", ["a2"]),
    ("tag:nothing", []),
    ("is:read", ["a1", "a9"]),
    ("is:unread", but("a1", "a9")),
    ("is:starred", ["a1", "a3"]),
    ("is:archived", ["a2", "a9"]),
    ("has:original", ["a1", "a9"]),
    ("has:amp", ["a2", "a4"]),
    ("has:image", ["a1", "a9"]),
    ("has:related", ["a2"]),
    ("has:body", ["a3"]),  # a5's body is blank
    ("link:alive", ["a1", "a4"]),
    ("link:broken", ["a2", "a9"]),
    ("link:unchecked", ["a3", "a5", "a6", "a7", "a8", "a10"]),
    ("quality>80", ["a1", "a4", "a7", "a10"]),
    ("quality:>80", ["a1", "a4", "a7", "a10"]),
    ("quality>=80", ["a1", "a2", "a4", "a7", "a10"]),
    ("quality<80", ["a5", "a6", "a9"]),
    ("quality<=0", ["a9"]),
    ("quality=80", ["a2"]),
    ("quality:80", ["a2"]),
    ("-quality>80", ["a2", "a3", "a5", "a6", "a8", "a9"]),  # no quality: not known to be > 80
    ("heat<0", ["a2"]),
    ("heat=-1", ["a2"]),
    ("heat>=10", ["a1", "a4", "a8"]),
    ("after:2024-06-01", ["a1", "a6", "a8"]),
    ("before:2024-05-31", ["a2", "a3", "a4", "a7", "a9", "a10"]),
    ("after:2024-05-31 before:2024-05-31", ["a3", "a10"]),
    ("after:2024-06-02", ["a8"]),
    ("age<3d", ["a1", "a2", "a3", "a6", "a8", "a10"]),  # a8 is in the future; a7 exactly 3d
    ("age<=3d", ["a1", "a2", "a3", "a6", "a7", "a8", "a10"]),
    ("age>3d", ["a4", "a9"]),
    ("age<12h", ["a1", "a8"]),  # a6 is exactly 12h old, a3 12h and a second
    ("age<=12h", ["a1", "a6", "a8"]),
    ("age<90m", ["a1", "a8"]),
    ("age<1w", ["a1", "a2", "a3", "a6", "a7", "a8", "a10"]),
    ("-age<1w", ["a4", "a5", "a9"]),
    ('topic:ai OR topic:"ai ethics"', ["a1", "a3", "a4", "a8", "a10"]),
    ("is:unread quality>80 -provider:reuters", ["a7", "a10"]),
    ("ai -(is:read OR is:archived)", ["a3", "a4", "a7", "a8", "a10"]),
    ("type:video topic:ai OR has:body", ["a3", "a10"]),
    ("type:video (topic:ai OR has:body)", ["a10"]),
    ("type:video AND topic:ai OR has:body", ["a3", "a10"]),
    ("-topic:ai -topic:robotics", ["a3", "a5", "a6", "a7", "a9"]),
    ("-type:video topic:ai", ["a1", "a4", "a8"]),
    ("--topic:ai", ["a1", "a4", "a8", "a10"]),
    ("-(type:video topic:ai)", but("a10")),
    ("is:starred OR is:archived OR link:alive", ["a1", "a2", "a3", "a4", "a9"]),
]


@pytest.mark.parametrize(("text", "expected"), HAND_CASES)
def test_select_and_matches_against_hand_expectations(text: str, expected: list[str]) -> None:
    query = parse_query(text)
    index = QueryIndex(ARTICLES)
    assert [ARTICLES[i].id for i in index.select(query, CONTEXT)] == expected
    by_reference = [
        a.id for a in ARTICLES if matches(query, a, STATES.get(a.id), LINKS.get(a.id), NOW)
    ]
    assert by_reference == expected


def test_select_within_keeps_within_order() -> None:
    index = QueryIndex(ARTICLES)
    within = [9, 0, 3, 1]  # a10, a1, a4, a2
    assert index.select(parse_query("topic:ai"), CONTEXT, within=within) == [9, 0, 3]
    assert index.select(parse_query("ai OR robot"), CONTEXT, within=within) == [9, 0, 3, 1]
    assert index.select(parse_query("-quality>90"), CONTEXT, within=within) == [3, 1]
    assert index.select(parse_query("ai"), CONTEXT, within=[]) == []


def test_default_context_is_untouched_and_unchecked() -> None:
    index = QueryIndex(ARTICLES)
    context = QueryContext()
    assert index.select(parse_query("is:unread"), context) == list(range(10))
    assert index.select(parse_query("is:read OR is:starred OR tag:later"), context) == []
    assert index.select(parse_query("link:unchecked"), context) == list(range(10))


def test_naive_datetimes_count_as_utc() -> None:
    naive = art("n", "Naive", published=datetime(2024, 5, 31, 23, 0))
    query = parse_query("after:2024-05-31 before:2024-05-31 age<13h")
    now = datetime(2024, 6, 1, 11, 0)
    assert QueryIndex([naive]).select(query, QueryContext(now=now)) == [0]
    assert matches(query, naive, now=now)


def test_text_cache_refines_and_stays_exact() -> None:
    """Typing "r", "ro", "rob"... reuses the shorter word's rows; results must stay exact."""
    index = QueryIndex(ARTICLES)
    for text in ("r", "ro", "rob", "robo", "robot", "robots", "robo", "o", "open", "open ai"):
        query = parse_query(text)
        expected = [i for i, a in enumerate(ARTICLES) if matches(query, a)]
        assert index.select(query, CONTEXT) == expected, text
    result = index.select(parse_query("robot"), CONTEXT)
    result.append(99)  # callers may keep and change results: the cache must not share them
    assert index.select(parse_query("robot"), CONTEXT) == [1]


def test_separator_in_text_cannot_join_fields() -> None:
    article = art("s", "left", excerpt="right", topics=("a\x00b",))
    index = QueryIndex([article])
    for text, expected in (("left", [0]), ('"t\x00r"', []), ('"a\x00b"', [0]), ('"\x00"', [0])):
        query = parse_query(text)
        assert index.select(query, QueryContext()) == expected, text
        assert matches(query, article) == bool(expected)


# --------------------------------------------------------------------------------------------
# Property tests

SYNTAX_ALPHABET = st.sampled_from(
    [*'()"-:\\ <>=OANDRtopicqualityagehasisk3d8w\x00é\t', "OR", "AND", "topic:", "age<"]
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(SYNTAX_ALPHABET, max_size=25).map("".join)))
def test_parse_raises_only_query_error_and_str_reparses(text: str) -> None:
    try:
        query = parse_query(text)
    except QueryError as error:
        assert 0 <= error.position <= len(text)
        assert str(error).startswith(f"position {error.position}: expected ")
        return
    assert parse_query(str(query)).root == query.root


VOCAB = ["AI", "ai", "Open", "open ai", "ß", "SS", "robot", "x", "a\x00i", "", "ethics", "I"]
TOPICS = ["AI", "ai", "AI Ethics", "Robotics", "ß", "SS"]
PROVIDERS = [Provider("The Verge", "theverge.com"), Provider("AI Weekly", "ai.example"), Provider()]
OFFSETS = [0, 1, -1, 3 * 86400, 3 * 86400 + 1, 12 * 3600, 86400 * 7, -86400, 43200, 90 * 60]


@st.composite
def articles(draw, key: int) -> Article:
    words = st.lists(st.sampled_from(VOCAB), max_size=3)
    joiner = draw(st.sampled_from([" ", "", "\x00"]))
    published = draw(
        st.one_of(
            st.none(),
            st.sampled_from(OFFSETS).map(lambda s: NOW - timedelta(seconds=s)),
            st.integers(-86400 * 10, 86400 * 10).map(lambda s: NOW - timedelta(seconds=s)),
            st.integers(-(10**7), 10**7).map(lambda us: NOW - timedelta(microseconds=us)),
        )
    )
    return Article(
        id=f"id{key}",
        path=f"{key}.md",
        title=joiner.join(draw(words)),
        excerpt=joiner.join(draw(words)),
        body=draw(st.sampled_from(["", " \n", "text"])),
        published=published,
        category=draw(st.sampled_from(["news", "News", "", "events"])),
        type=draw(st.sampled_from(["article", "video", "Video"])),
        quality=draw(st.one_of(st.none(), st.sampled_from([0, 79, 80, 81, 150]))),
        heat=draw(st.one_of(st.none(), st.integers(-2, 3))),
        provider=draw(st.sampled_from(PROVIDERS)),
        topics=tuple(draw(st.lists(st.sampled_from(TOPICS), max_size=3))),
        urls=Urls(
            original=draw(st.sampled_from([None, "https://o"])),
            amp=draw(st.sampled_from([None, "https://a"])),
            cdn_amp=draw(st.sampled_from([None, "https://c"])),
        ),
        images=draw(st.sampled_from([(), (Image("https://i"),)])),
        related=draw(st.sampled_from([(), (RelatedArticle("r"),)])),
    )


states = st.builds(
    TriageState,
    read=st.booleans(),
    starred=st.booleans(),
    archived=st.booleans(),
    tags=st.lists(st.sampled_from(["later", "Later", "work"]), max_size=2).map(tuple),
)


def _value(text: str) -> str:
    return f'"{text}"' if " " in text or not text else text


LEAVES = st.one_of(
    st.sampled_from([w for w in VOCAB if w]).map(_value),
    st.sampled_from(["open ai", "i e", "ss", "ß"]).map(lambda w: f'"{w}"'),
    st.sampled_from(TOPICS).map(lambda t: f"topic:{_value(t)}"),
    st.sampled_from(["verge", "VERGE", "ai", ".com", "ai.ex"]).map(lambda v: f"provider:{v}"),
    st.sampled_from(["news", "NEWS", "events"]).map(lambda v: f"category:{v}"),
    st.sampled_from(["video", "article"]).map(lambda v: f"type:{v}"),
    st.sampled_from(["later", "WORK"]).map(lambda v: f"tag:{v}"),
    st.sampled_from(["read", "unread", "starred", "archived"]).map(lambda v: f"is:{v}"),
    st.sampled_from(["original", "amp", "image", "related", "body"]).map(lambda v: f"has:{v}"),
    st.sampled_from(["alive", "broken", "unchecked"]).map(lambda v: f"link:{v}"),
    st.builds(
        "{}{}{}".format,
        st.sampled_from(["quality", "heat", "quality:"]),
        st.sampled_from([">", ">=", "<", "<=", "="]),
        st.sampled_from([-1, 0, 1, 80, 81]),
    ),
    st.builds(
        "{}:{}".format,
        st.sampled_from(["after", "before"]),
        st.sampled_from(["2024-05-29", "2024-05-31", "2024-06-01", "2024-06-02", "0001-01-01"]),
    ),
    st.builds(
        "age{}{}{}".format,
        st.sampled_from(["<", "<=", ">", ">="]),
        st.sampled_from([0, 1, 3, 12, 90]),
        st.sampled_from("mhdw"),
    ),
)
QUERIES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(" ".join),
        st.tuples(inner, inner).map(" AND ".join),
        st.tuples(inner, inner).map(" OR ".join),
        inner.map(lambda q: f"-({q})"),
        inner.map(lambda q: f"({q})"),
        LEAVES.map(lambda q: f"-{q}"),
    ),
    max_leaves=6,
)


@st.composite
def collections(draw):
    n = draw(st.integers(0, 12))
    items = [draw(articles(i)) for i in range(n)]
    state_map = {a.id: draw(states) for a in items if draw(st.booleans())}
    links = {
        a.id: draw(st.sampled_from(["alive", "broken", "unchecked"]))
        for a in items
        if draw(st.booleans())
    }
    return items, state_map, links


def _reference(query, items, context, rows) -> list[int]:
    return [
        i
        for i in rows
        if matches(
            query,
            items[i],
            context.states.get(items[i].id),
            context.link_status.get(items[i].id),
            context.now,
        )
    ]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(collections(), QUERIES, st.data())
def test_select_equals_reference(collection, text: str, data) -> None:
    items, state_map, links = collection
    query = parse_query(text)
    context = QueryContext(states=state_map, link_status=links, now=NOW)
    index = QueryIndex(items)
    assert index.select(query, context) == _reference(query, items, context, range(len(items)))
    if items:
        within = data.draw(st.lists(st.integers(0, len(items) - 1), max_size=15))
        expected = _reference(query, items, context, within)
        assert index.select(query, context, within=within) == expected
    assert parse_query(str(query)).root == query.root


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(collections(), QUERIES)
def test_select_equals_reference_while_typing(collection, text: str) -> None:
    """Every prefix that parses, on one index: exercises the free-text cache refinement."""
    items, state_map, links = collection
    context = QueryContext(states=state_map, link_status=links, now=NOW)
    index = QueryIndex(items)
    for end in range(1, len(text) + 1):
        try:
            query = parse_query(text[:end])
        except QueryError:
            continue
        expected = _reference(query, items, context, range(len(items)))
        assert index.select(query, context) == expected, text[:end]


@settings(max_examples=2000, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(alphabet="aéã€’😀한글\x00 Ã©", max_size=12),
    st.text(alphabet="aéã€’😀한글\x00 Ã©", min_size=1, max_size=4),
)
def test_compact_haystacks_match_exactly_where_the_text_does(text: str, needle: str) -> None:
    from reader.query.evaluate import _compact

    assert (_compact(needle) in _compact(text)) == (needle in text)


def test_search_finds_non_ascii_words() -> None:
    articles = [
        Article(id="1", path="1.md", title="Café ’quoted’ story"),
        Article(id="2", path="2.md", title="한빛 뉴스 AI"),
        Article(id="3", path="3.md", title="🚀 launch day"),
        Article(id="4", path="4.md", title="Plain ASCII title"),
    ]
    index = QueryIndex(articles)
    context = QueryContext(states={}, link_status={})
    for text, expected in [
        ("café", [0]),
        ("’quoted", [0]),
        ("뉴스", [1]),
        ("🚀", [2]),
        ("ã", []),  # its UTF-8 starts like é's: must not match "Café"
        ("ascii", [3]),
        ("a", [0, 1, 2, 3]),
    ]:
        assert index.select(parse_query(text), context) == expected, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("q", True),
        ("qual", True),
        ("quality", True),
        ("kestrel -top", True),
        ("(is", True),
        ("quality>", False),
        ("topic:AI", False),
        ("kestrel", False),
        ("qu ", False),
        ("", False),
    ],
)
def test_ends_in_field_name(text: str, expected: bool) -> None:
    from reader.query import ends_in_field_name

    assert ends_in_field_name(text) is expected


def test_wanted_topics_skip_negated_ones() -> None:
    from reader.query import wanted_topics

    query = parse_query('topic:AI OR (topic:"Space Tech" -topic:Robots)')
    assert wanted_topics(query) == ["AI", "Space Tech"]
    assert wanted_topics(None) == []
