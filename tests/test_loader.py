"""Loader: every normalisation rule, every problem kind, the real feed."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from reader.frontmatter import HAVE_LIBYAML, FrontMatterError, decode, split
from reader.loader import article_id, canonical_url_key, load_collection, parse_datetime
from reader.model import LinkKind
from tests.conftest import article_text


def load_one(write_file, text: str | bytes, name: str = "a.md"):
    path = write_file(name, text)
    collection = load_collection([path.parent])
    return collection


def only_article(collection):
    assert len(collection.articles) == 1, collection.problems
    return collection.articles[0]


# ------------------------------------------------------------------ splitting and decoding


def test_libyaml_is_used():
    assert HAVE_LIBYAML, "the C loader must be available (pure-Python is 8x slower)"


def test_bom_and_crlf(write_file):
    text = '\ufeff---\r\ntitle: "Hello"\r\nexcerpt: "x"\r\n---\r\nBody line 1\r\nline 2\r\n'
    article = only_article(load_one(write_file, text.encode("utf-8")))
    assert article.title == "Hello"
    assert article.body == "Body line 1\nline 2"


def test_closing_fence_without_newline(write_file):
    article = only_article(load_one(write_file, '---\ntitle: "T"\n---'))
    assert article.title == "T"
    assert article.body == ""


def test_blank_line_before_closing_fence(write_file):
    article = only_article(load_one(write_file, '---\ntitle: "T"\n\n---\n\n'))
    assert article.title == "T"


def test_body_keeps_markdown_with_table_rule(write_file):
    text = '---\ntitle: "T"\n---\n# Head\n\n|a|b|\n|---|---|\n|1|2|\n'
    article = only_article(load_one(write_file, text))
    assert "|---|---|" in article.body
    assert article.body.startswith("# Head")


def test_split_errors():
    with pytest.raises(FrontMatterError, match="empty"):
        split("  \n")
    with pytest.raises(FrontMatterError, match="no front matter"):
        split("hello\n---\n")
    with pytest.raises(FrontMatterError, match="unterminated") as info:
        split("---\ntitle: x\nmore: y\n")
    assert info.value.line == 3


def test_decode_rejects_invalid_utf8():
    with pytest.raises(FrontMatterError, match="not UTF-8") as info:
        decode(b'---\ntitle: "x"\nexcerpt: "\xff\xfe"\n---\n')
    assert info.value.line == 3


# ------------------------------------------------------------------ problems, one per kind


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        (b"", "empty file", None),
        (b"just some text\n", "no front matter", 1),
        (b'---\ntitle: "x"\nexcerpt: "y"\n', "unterminated", 3),
        (b'---\ntitle: "x"\nexcerpt: "unclosed\nquality: 3\n---\n', "YAML error", 5),
        (b"---\ntitle: [1, 2\n---\n", "YAML error", 3),
        (b"---\n- a\n- b\n---\n", "not a mapping", 2),
        (b"---\n---\n", "empty front matter", 2),
        (b'---\ntitle: "caf\xe9"\n---\n', "not UTF-8", 2),
        (b"---\nexcerpt: x\n---\n", "no title", 2),
        (b"---\ntitle:\n  - a\n  - b\n---\n", "must be text", 2),
        (b"---\ntitle: {a: 1}\n---\n", "must be text", 2),
        (b'---\ntitle: "   "\n---\n', "is empty", 2),
        (b"---\ntitle: !!python/object:os.system x\n---\n", "YAML error", 2),
    ],
)
def test_bad_files_become_problems(write_file, content, message, line):
    path = write_file("bad.md", content)
    write_file("good.md", article_text())
    collection = load_collection([path.parent])
    assert [a.title for a in collection.articles] == ["A title"]
    errors = collection.errors
    assert len(errors) == 1
    assert errors[0].path == str(path)
    assert message in errors[0].message
    assert errors[0].line == line


def test_unreadable_file_is_a_problem(write_file, tmp_path):
    path = write_file("dir.md/inner.md", article_text())
    # A folder named like an article is walked, not read as a file.
    collection = load_collection([tmp_path / "feed"])
    assert len(collection.articles) == 1
    assert collection.articles[0].path == str(path)


def test_huge_wrong_type_is_not_stringified(write_file):
    big = "\n".join(f"  k{i}: {'x' * 50}" for i in range(2000))
    text = f'---\ntitle: "T"\nexcerpt:\n{big}\n---\n'
    collection = load_one(write_file, text)
    article = only_article(collection)
    assert article.excerpt == ""
    (warning,) = collection.problems
    assert warning.severity == "warning"
    assert "excerpt" in warning.message
    assert len(warning.message) < 120
    assert warning.line == 3


def test_wrong_types_that_do_not_matter_are_dropped_with_warnings(write_file):
    text = """\
    ---
    title: "T"
    quality: "high"
    heat: [1]
    published: "maybe"
    publishedDateTime: "not a date"
    topics: {a: 1}
    provider: 12
    images: "https://img.example/x.png"
    related: "nope"
    ---
    """
    collection = load_one(write_file, text)
    article = only_article(collection)
    assert article.quality is None and article.heat is None
    assert article.published is None and article.published_flag is None
    assert article.topics == ()
    assert article.images[0].url == "https://img.example/x.png"
    warned = {p.message.split("'")[1] for p in collection.problems}
    assert warned == {
        "quality",
        "heat",
        "published",
        "publishedDateTime",
        "topics",
        "provider",
        "related",
    }
    assert all(p.severity == "warning" for p in collection.problems)
    lines = {p.message.split("'")[1]: p.line for p in collection.problems}
    assert lines["quality"] == 3 and lines["related"] == 10


# ------------------------------------------------------------------ normalisation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023-08-30T20:54:00Z", datetime(2023, 8, 30, 20, 54, tzinfo=UTC)),
        ("2025-03-01T10:00:00+02:00", datetime(2025, 3, 1, 8, 0, tzinfo=UTC)),
        ("2019-12-08T08:00:00-08:00", datetime(2019, 12, 8, 16, 0, tzinfo=UTC)),
        ("2024-05-05 12:00:00", datetime(2024, 5, 5, 12, 0, tzinfo=UTC)),
        ("2024-05-05T12:00:00", datetime(2024, 5, 5, 12, 0, tzinfo=UTC)),
        ("2023-01-15", datetime(2023, 1, 15, tzinfo=UTC)),
        ('"2022-09-12T16:30:00Z"', datetime(2022, 9, 12, 16, 30, tzinfo=UTC)),
        ("'2022-09-12 16:30'", datetime(2022, 9, 12, 16, 30, tzinfo=UTC)),
    ],
)
def test_dates(write_file, raw, expected):
    article = only_article(load_one(write_file, article_text(publishedDateTime=raw)))
    assert article.published == expected
    assert article.published.tzinfo is UTC


def test_parse_datetime_rejects_text():
    with pytest.raises(ValueError):
        parse_datetime("yesterday")


def test_numbers_given_as_strings(write_file):
    article = only_article(
        load_one(write_file, article_text(quality='"86"', heat="' -1 '", published='"true"'))
    )
    assert (article.quality, article.heat, article.published_flag) == (86, -1, True)


def test_float_numbers_round(write_file):
    article = only_article(load_one(write_file, article_text(quality="85.6", heat='"12.0"')))
    assert (article.quality, article.heat) == (86, 12)


def test_one_topic_as_string_and_provider_as_string(write_file):
    text = article_text(topics='"AI Ethics"', provider='"The Daily Byte"')
    article = only_article(load_one(write_file, text))
    assert article.topics == ("AI Ethics",)
    assert article.provider.name == "The Daily Byte"
    assert article.provider.domain == ""


def test_provider_mapping_with_logo(write_file):
    text = """\
    ---
    title: "T"
    provider:
      name: Tom's Guide
      domain: tomsguide.com
      images:
        - url: "/assets/images/organizations/tomsguide.com-50x50.jpg"
          width: 50
          height: 50
    ---
    """
    article = only_article(load_one(write_file, text))
    assert article.provider.name == "Tom's Guide"
    assert article.provider.domain == "tomsguide.com"
    assert article.provider.logo == "/assets/images/organizations/tomsguide.com-50x50.jpg"


def test_html_entities_decoded(write_file):
    text = """\
    ---
    title: "Q&amp;A: costs&nbsp;rise"
    excerpt: "Fish &#038; chips&nbsp;today"
    images:
      - url: "https://img.example/a.jpg?w=1&#038;h=2"
        width: "1200"
        height: 675
    ---
    """
    article = only_article(load_one(write_file, text))
    assert article.title == "Q&A: costs\u00a0rise"
    assert article.excerpt == "Fish & chips\u00a0today"
    assert article.images[0].url == "https://img.example/a.jpg?w=1&h=2"
    assert (article.images[0].width, article.images[0].height) == (1200, 675)


def test_mojibake_repaired_but_real_unicode_kept(write_file):
    text = """\
    ---
    title: "Adobe’s “AI” — Zoë in São Paulo 아크로팬 😀"
    excerpt: "We say Facebook has â€œquietly ..."
    ---
    """
    article = only_article(load_one(write_file, text))
    assert article.title == "Adobe’s “AI” — Zoë in São Paulo 아크로팬 😀"
    assert article.excerpt == "We say Facebook has “quietly ..."


def test_control_characters_stripped_and_whitespace_trimmed(write_file):
    text = '---\ntitle: "  \\e[31mRed\\e[0m \\x07bell\\x9b  "\nexcerpt: "two\\nlines\\tx "\n---\n'
    article = only_article(load_one(write_file, text))
    # Escape sequences go whole (no "[31m" debris). ftfy reads a lone C1 byte as the
    # Windows-1252 character it stands for (here "›").
    assert article.title in ("Red bell", "Red bell›")
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in article.title)
    assert article.excerpt == "two lines x"


def test_markup_like_text_kept_verbatim(write_file):
    text = '---\ntitle: "[bold red]x[/] and [/r/ML] [link=file:///etc]y"\n---\n'
    article = only_article(load_one(write_file, text))
    assert article.title == "[bold red]x[/] and [/r/ML] [link=file:///etc]y"


def test_unknown_fields_kept_in_extra(write_file):
    text = article_text(secured='"abc;def"', language="en", featuredContent='"<iframe>"')
    article = only_article(load_one(write_file, text))
    assert article.extra == {"secured": "abc;def", "language": "en", "featuredContent": "<iframe>"}


def test_event_schema(write_file):
    text = """\
    ---
    name: "NeurIPS 2019"
    excerpt: "A conference"
    startDateTime: 2019-12-08T08:00:00-08:00
    endDateTime: 2019-12-14T17:00:00-08:00
    website: https://nips.cc/Conferences/2019
    location: Vancouver
    type: conference
    tags:
      - AI
    ---
    """
    article = only_article(load_one(write_file, text))
    assert article.title == "NeurIPS 2019"
    assert article.published == datetime(2019, 12, 8, 16, 0, tzinfo=UTC)
    assert article.urls.website == "https://nips.cc/Conferences/2019"
    assert article.urls.items() == [(LinkKind.WEBSITE, "https://nips.cc/Conferences/2019")]
    assert article.extra["location"] == "Vancouver"
    assert article.id == article_id("https://nips.cc/Conferences/2019", "a.md")


def test_related_entries(write_file):
    text = """\
    ---
    title: "T"
    related:
      - title: "Other"
        excerpt: "x"
        publishedDateTime: 2023-09-01T11:27:00Z
        webUrl: "https://tech.example/o"
        ampWebUrl: "https://tech.example/o/amp"
        provider:
          name: Tech.co
          domain: tech.co
        quality: "39"
        type: article
      - "not a mapping"
      - excerpt: "no title"
    ---
    """
    collection = load_one(write_file, text)
    article = only_article(collection)
    (related,) = article.related
    assert related.title == "Other"
    assert related.published == datetime(2023, 9, 1, 11, 27, tzinfo=UTC)
    assert related.urls.web == "https://tech.example/o"
    assert related.urls.amp == "https://tech.example/o/amp"
    assert related.provider.name == "Tech.co"
    assert related.quality == 39
    assert any("2 entry" in p.message for p in collection.problems)


# ------------------------------------------------------------------ ids


def test_id_from_canonical_url_is_stable_across_renames(tmp_path):
    text = article_text(originalUrl='"https://Orig.example/Story#frag"')
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "first-name.md").write_text(text)
    first = load_collection([tmp_path / "one"]).articles[0].id
    (tmp_path / "one" / "first-name.md").rename(tmp_path / "one" / "renamed.md")
    second = load_collection([tmp_path / "one"]).articles[0].id
    assert first == second == article_id("https://orig.example/Story", "x")


def test_id_prefers_original_then_web_then_path(tmp_path):
    assert canonical_url_key("HTTPS://A.Example/Path#x") == "https://a.example/Path"
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "a.md").write_text(article_text(originalUrl='"https://o.example/1"'))
    (feed / "b.md").write_text(article_text(webUrl='"https://w.example/2"'))
    (feed / "c.md").write_text(article_text(webUrl=None))
    ids = {Path(a.path).name: a.id for a in load_collection([feed]).articles}
    assert ids["a.md"] == article_id("https://o.example/1", "a.md")
    assert ids["b.md"] == article_id("https://w.example/2", "b.md")
    assert ids["c.md"] == article_id(None, "c.md")


def test_duplicate_ids_both_load(tmp_path):
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "a.md").write_text(article_text(title='"First"'))
    (feed / "b.md").write_text(article_text(title='"Second"'))
    articles = load_collection([feed]).articles
    assert [a.title for a in articles] == ["First", "Second"]
    assert articles[1].id == articles[0].id + "-2"


# ------------------------------------------------------------------ walking


def test_walk_recursive_suffixes_hidden_and_symlink_loop(tmp_path):
    feed = tmp_path / "feed"
    (feed / "sub" / "deeper").mkdir(parents=True)
    (feed / ".hidden").mkdir()
    (feed / "a.md").write_text(article_text(webUrl='"https://x.example/a"'))
    (feed / "sub" / "b.markdown").write_text(article_text(webUrl='"https://x.example/b"'))
    (feed / "sub" / "deeper" / "c.txt").write_text(article_text(webUrl='"https://x.example/c"'))
    (feed / "sub" / "notes.json").write_text("{}")
    (feed / ".hidden" / "d.md").write_text(article_text(webUrl='"https://x.example/d"'))
    (feed / ".e.md").write_text(article_text(webUrl='"https://x.example/e"'))
    os.symlink(feed, feed / "sub" / "loop")
    collection = load_collection([feed])
    names = sorted(Path(a.path).name for a in collection.articles)
    assert names == ["a.md", "b.markdown", "c.txt"]
    assert collection.problems == []


def test_missing_path_is_a_problem(tmp_path):
    collection = load_collection([tmp_path / "nope"])
    assert collection.articles == []
    assert collection.problems[0].message == "no such file or folder"


# ------------------------------------------------------------------ the real feed and the sample


def test_real_feed_loads_without_errors(real_feed):
    collection = load_collection([real_feed])
    assert collection.errors == []
    assert len(collection.articles) == len(
        [p for p in real_feed.rglob("*") if p.suffix in (".md", ".txt")]
    )
    seed = next(a for a in collection.articles if a.path.endswith(".txt"))
    assert seed.title == (
        "Meta uses your Facebook data to train its AI. Here's how to opt out (sort of)"
    )
    assert seed.published == datetime(2023, 8, 30, 20, 54, tzinfo=UTC)
    assert (seed.quality, seed.heat, seed.published_flag) == (86, 96, True)
    assert seed.provider.name == "ZDNet" and seed.provider.domain == "zdnet.com"
    assert seed.topics == ("Natural Language Processing", "AI")
    assert seed.urls.cdn_amp.startswith("https://www-zdnet-com.cdn.ampproject.org/")
    assert seed.images[0].width == 1200
    assert "“quietly" in seed.related[0].excerpt
    assert "secured" in seed.extra
    events = [a for a in collection.articles if a.type == "conference"]
    assert len(events) == 4 and all(a.published and a.urls.website for a in events)


def test_real_feed_agrees_with_safe_loader_field_by_field(real_feed):
    """Every scalar the model keeps equals what PyYAML's safe loader reads from the file."""
    collection = load_collection([real_feed])
    for article in collection.articles:
        raw = Path(article.path).read_text(encoding="utf-8")
        data = yaml.safe_load(raw.split("\n---", 1)[0].removeprefix("---\n"))
        title = data.get("title", data.get("name"))
        assert article.title == title.strip() or "&" in title, article.path
        assert article.quality == data.get("quality")
        assert article.heat == data.get("heat")
        assert article.urls.web == data.get("webUrl")
        assert article.urls.amp == data.get("ampWebUrl")
        assert article.topics == tuple(data["topics"])
        assert article.provider.domain == data["provider"]["domain"]
        when = data.get("publishedDateTime", data.get("startDateTime"))
        assert article.published == when.astimezone(UTC)


def test_sample_feed_is_rich(sample_feed):
    collection = load_collection([sample_feed])
    assert collection.errors == []
    articles = collection.articles
    assert len(articles) >= 40
    assert len({a.provider.name for a in articles}) >= 8
    assert any(a.related for a in articles)
    assert any(a.urls.amp and a.urls.cdn_amp for a in articles)
    assert any(a.urls.website for a in articles)
    assert any(a.body for a in articles)
    assert len({a.published.year for a in articles if a.published}) >= 4


# ------------------------------------------------------------------ slim articles (the app's copy)


def test_slim_article_keeps_what_list_and_search_need_and_completes(sample_feed):
    from reader.loader import complete_article, slim_article
    from reader.query import QueryContext, QueryIndex, parse_query

    full = load_collection([sample_feed]).articles
    slim = [slim_article(a) for a in full]
    with_related = next(i for i, a in enumerate(full) if a.related)
    with_body = next(i for i, a in enumerate(full) if a.body.strip())
    assert slim[with_related].related == () and slim[with_related].related_count > 0
    assert slim[with_body].body == "" and slim[with_body].has_body
    assert all(s.extra == {} for s in slim)
    for a, s in zip(full, slim, strict=True):
        assert (a.id, a.title, a.published, a.urls, a.topics) == (
            s.id,
            s.title,
            s.published,
            s.urls,
            s.topics,
        )
    for text in ("has:related", "has:body", "-has:body topic:AI", "has:image"):
        query = parse_query(text)
        context = QueryContext()
        assert QueryIndex(full).select(query, context) == QueryIndex(slim).select(query, context)
    again = complete_article(slim[with_related])
    assert again == full[with_related] and not again.slim
    assert again.extra == full[with_related].extra


def test_complete_article_survives_a_broken_file(tmp_path):
    from reader.loader import complete_article, slim_article

    path = tmp_path / "a.md"
    path.write_text(article_text())
    slim = slim_article(load_collection([tmp_path]).articles[0])
    path.write_text("not an article any more")
    assert complete_article(slim) is slim


def test_bidi_overrides_stripped_but_rtl_marks_kept(write_file):
    text = '---\ntitle: "RTL \u202eevil\u202c and \u2066isolate\u2069 \u200fmark"\n---\n'
    article = only_article(load_one(write_file, text))
    assert article.title == "RTL evil and isolate \u200fmark"


def test_absurdly_deep_unknown_field_is_dropped_not_fatal(write_file, tmp_path):
    from reader.cache import load_collection_cached

    deep = "[" * 200 + "]" * 200  # deeper than 64, within what every libyaml build accepts
    collection = load_one(write_file, f'---\ntitle: "Deep"\nextra: {deep}\nok: [1, [2]]\n---\n')
    article = only_article(collection)
    assert article.extra == {"ok": [1, [2]]}
    assert "nested more than" in collection.problems[0].message
    cached = load_collection_cached([str(tmp_path / "feed")], cache_dir=tmp_path / "c")
    assert cached.articles == collection.articles


def test_nesting_beyond_the_yaml_library_is_a_problem_or_dropped(write_file):
    """libyaml builds differ (some stop at 1,000 levels): either outcome is fine, a crash is not."""
    deep = "[" * 5000 + "]" * 5000
    collection = load_one(write_file, f'---\ntitle: "Deep"\nextra: {deep}\n---\n')
    if collection.articles:
        assert collection.articles[0].extra == {}
        assert collection.problems[0].severity == "warning"
    else:
        assert collection.errors[0].line == 3


# ------------------------------------------------------------------ hostile files


def _load_in_a_subprocess(folder: Path, timeout: float = 60) -> list[tuple[str, str]]:
    """(file name, message) of every problem, loaded in a child that a hang cannot outlive."""
    import json
    import subprocess
    import sys

    code = (
        "import json, os, sys; from reader.loader import load_collection\n"
        "c = load_collection([sys.argv[1]])\n"
        "print(json.dumps([[os.path.basename(p.path), p.message] for p in c.problems]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(folder)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return [tuple(pair) for pair in json.loads(result.stdout)]


def test_an_alias_bomb_is_a_problem_not_a_hang(tmp_path):
    """Fault 3: 1 kB of nested aliases (10^10 values) hung every command."""
    from tests.conftest import HOSTILE_FILES

    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "bomb.md").write_text(HOSTILE_FILES["alias-bomb.md"])
    (folder / "loop.md").write_text(HOSTILE_FILES["alias-loop.md"])
    (folder / "fine.md").write_text("---\ntitle: shared\na: &x [1, 2]\nb: *x\n---\n")
    problems = dict(_load_in_a_subprocess(folder, timeout=30))
    assert "more than 100,000 values" in problems["bomb.md"]
    assert "contains itself" in problems["loop.md"]
    assert "fine.md" not in problems


def test_a_file_name_that_is_not_utf8_loads_with_a_stable_id(tmp_path):
    """Fault 4: such a name crashed every command (UnicodeEncodeError on a surrogate)."""
    folder = tmp_path / "feed"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/caf\xe9.md"
    with open(raw, "wb") as handle:
        handle.write(b"---\ntitle: Latin-1 name\n---\n")
    first = only_article(load_collection([folder]))
    assert first.title == "Latin-1 name"
    assert os.fsencode(first.path) == raw
    assert only_article(load_collection([folder])).id == first.id
    assert article_id(None, "caf\udce9.md") == first.id


def test_fifos_devices_and_huge_files_are_problems_and_never_read(tmp_path):
    """Fault 5: a FIFO blocked the reader in open(), /dev/zero read without bound, a 1 GB
    sparse file took 100 s and 10 GB."""
    folder = tmp_path / "feed"
    folder.mkdir()
    os.mkfifo(folder / "fifo.md")
    (folder / "zero.md").symlink_to("/dev/zero")
    with open(folder / "sparse.md", "wb") as handle:
        handle.truncate(1 << 30)
    (folder / "dangling.md").symlink_to(folder / "nowhere")
    (folder / "fine.md").write_text(article_text())
    problems = dict(_load_in_a_subprocess(folder, timeout=30))
    assert problems["fifo.md"] == "not a regular file (a named pipe); not read"
    assert problems["zero.md"] == "not a regular file (a character device); not read"
    assert problems["sparse.md"] == "file is 1.0 GB; files of at most 5.0 MB are read"
    assert problems["dangling.md"] == "cannot read file: No such file or directory"
    assert "fine.md" not in problems


def test_a_fifo_that_replaces_a_shown_article_never_blocks(tmp_path):
    """The app reads a shown article's body back from its file: a FIFO there must not block."""
    from reader.loader import complete_article, slim_article

    folder = tmp_path / "feed"
    folder.mkdir()
    path = folder / "a.md"
    path.write_text(article_text() + "A body\n")
    slim = slim_article(only_article(load_collection([folder])))
    path.unlink()
    os.mkfifo(path)
    assert complete_article(slim) is slim  # returned at once, unchanged


def test_front_matter_and_text_fields_are_bounded(write_file):
    big = "---\ntitle: huge\npadding: " + "x" * 1_200_000 + "\n---\n"
    collection = load_one(write_file, big)
    assert collection.articles == []
    assert collection.problems[0].message.startswith("front matter of 1,200,0")
    long_text = article_text(title='"' + "t" * 5000 + '"', excerpt='"' + "é" * 50_000 + '"')
    collection = load_one(write_file, long_text, name="long.md")
    article = next(a for a in collection.articles if a.path.endswith("long.md"))
    assert len(article.title) == 2001 and article.title.endswith("…")
    assert len(article.excerpt) == 20_001
    messages = [p.message for p in collection.problems]
    assert "field 'title': 5,000 characters, cut at 2,000" in messages
    assert "field 'excerpt': 50,000 characters, cut at 20,000" in messages


def test_eighty_thousand_topics_load_in_linear_time_cut_to_the_limit(tmp_path):
    """Fault 6: 80,000 topics took 33 s (de-duplication by list membership)."""
    folder = tmp_path / "feed"
    folder.mkdir()
    topics = "".join(f"  - t{i}\n" for i in range(80_000))
    related = "".join(f"  - title: r{i}\n" for i in range(5_000))
    (folder / "many.md").write_text(f"---\ntitle: many\ntopics:\n{topics}related:\n{related}---\n")
    problems = _load_in_a_subprocess(folder, timeout=20)  # quadratic: far longer than this
    assert ("many.md", "field 'topics': 80,000 entries, the first 200 kept") in problems
    assert ("many.md", "field 'related': 5,000 entries, the first 200 kept") in problems
    article = only_article(load_collection([folder]))
    assert len(article.topics) == 200 and len(article.related) == 200
    assert article.topics[:2] == ("t0", "t1")


def test_out_of_range_numbers_are_dropped(write_file):
    collection = load_one(write_file, article_text(quality="1" + "0" * 30, heat='"9e99"'))
    article = only_article(collection)
    assert article.quality is None and article.heat is None
    assert {p.message for p in collection.problems} == {
        "field 'quality': a number out of range; ignored",
        "field 'heat': expected a number, got text; ignored",
    }


def test_a_numeric_title_loads_with_a_warning_and_problems_come_in_line_order(write_file):
    """Issue 17, item 13: `title: 12345` loaded without a word; problems came out of order."""
    text = "---\nheat: [x]\ntitle: 12345\nquality: nope\n---\n"
    collection = load_one(write_file, text)
    assert only_article(collection).title == "12345"
    assert [(p.line, p.message) for p in collection.problems] == [
        (2, "field 'heat': expected a number, got a list; ignored"),
        (3, "field 'title': a number, taken as text"),
        (4, "field 'quality': expected a number, got text; ignored"),
    ]
