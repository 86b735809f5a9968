"""Story clusters: canonical URLs, must-merge and must-not-merge pairs, leads, ids, the cache."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reader import clusters as clusters_module
from reader.clusters import (
    Clusters,
    canonical_url,
    cluster_articles,
    cluster_articles_cached,
    clustering_key,
)
from reader.model import Article, Provider, RelatedArticle, Urls

T0 = datetime(2021, 9, 20, 12, 0, tzinfo=UTC)


def art(
    id: str,
    title: str,
    excerpt: str = "",
    *,
    url: str | None = None,
    amp: str | None = None,
    cdn_amp: str | None = None,
    hours: float = 0.0,
    provider: str = "",
    quality: int | None = None,
    related: tuple[RelatedArticle, ...] = (),
) -> Article:
    return Article(
        id=id,
        path=f"{id}.md",
        title=title,
        excerpt=excerpt,
        published=T0 + timedelta(hours=hours),
        provider=Provider(name=provider or f"Outlet {id}", domain=f"{provider or id}.example"),
        quality=quality,
        urls=Urls(web=url or f"https://{id}.example/news/{id}", amp=amp, cdn_amp=cdn_amp),
        related=related,
    )


# Unrelated articles of the same days: a collection's other articles are what tell a rare word
# (a story's) from a common one (the subject's), as in a real collection.
_BACKGROUND = [
    (
        "Amazon opens a new warehouse for faster deliveries",
        "Amazon said the site helps.",
    ),
    ("Tesla shares rise as investors weigh self-driving plans", "Tesla stock moved on Monday."),
    (
        "Microsoft launches AI features in Azure for enterprises",
        "Microsoft announced the features.",
    ),
    ("Police departments expand use of technology", "Police say the tools help officers."),
    ("Study finds artificial intelligence helps doctors", "Researchers published the results."),
    ("Startup raises money to build language models", "The funding round was led by investors."),
    ("Google updates its cloud platform with new tools", "Google said customers asked for them."),
    (
        "Facebook removes fake accounts ahead of elections",
        "The company said the network was small.",
    ),
    ("Chip maker reports record quarterly revenue", "Demand for processors stayed strong."),
    ("Regulators review the safety of driver assistance systems", "Officials asked for data."),
    ("How to protect your personal data online", "Experts share tips for users."),
    ("Researchers train robots to learn new tasks", "The robots learned from examples."),
    ("Market report forecasts growth for AI software", "The report covers the market to 2027."),
    ("University opens a new center for data science", "Students can enrol next year."),
    ("Smart TVs get faster processors this year", "Manufacturers showed new models."),
    ("Recognition software draws criticism from lawmakers", "Lawmakers want limits on its use."),
    ("Company announces partnership to speed up cloud migration", "The deal runs for five years."),
    ("New funding for machine learning research in health care", "Hospitals will test the tools."),
    ("Electric car maker plans software update for owners", "The update arrives next month."),
    (
        "Press release: firm achieves partner status with cloud provider",
        "The firm said it is proud.",
    ),
]


# A collection about AI: its subject's words are common in it (as in ../shared/real_feed).
_BACKGROUND += [
    ("Banks turn to machine learning to catch fraud", "Lenders say Amazon tools cut losses."),
    ("Machine learning helps farmers predict harvests", "Growers tried models on soil data."),
    ("Amazon adds storage tiers for archives", "Prices fall for data kept a year or more."),
    ("Retailers bet on machine learning for pricing", "Shops adjust prices every hour."),
    ("Amazon names winners of its partner awards", "Consultancies took most of the prizes."),
    ("Weather services test machine learning forecasts", "Forecasters compared storms of 2020."),
]


def background() -> list[Article]:
    return [
        art(f"bg{i}", title, excerpt, hours=(i % 7) * 9 - 20)
        for i, (title, excerpt) in enumerate(_BACKGROUND)
    ]


def story_sets(articles: list[Article]) -> set[frozenset[str]]:
    """The stories found among `articles` in a collection that also holds the background."""
    result = cluster_articles([*background(), *articles])
    return {frozenset(s.members) for s in result.stories}


# ---------------------------------------------------------------------------------------------
# Canonical URLs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # CDN AMP addresses unwrap to the page's own address.
        (
            "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/a/amp/x",
            "example.com/a/x",
        ),
        (
            "https://example-com.cdn.ampproject.org/v/s/example.com/news/story?amp=1",
            "example.com/news/story",
        ),
        (
            "https://example-com.cdn.ampproject.org/c/example.com/news/story",
            "example.com/news/story",
        ),
        # AMP paths, hosts and parameters.
        ("https://www.example.com/news/story/amp/", "example.com/news/story"),
        ("https://www.example.com/amp/news/story", "example.com/news/story"),
        ("https://www.example.com/google-amp/news/story/", "example.com/news/story"),
        ("https://www.example.com/news/story.amp", "example.com/news/story"),
        ("https://www.example.com/2019/12/20/story.amp.html", "example.com/2019/12/20/story.html"),
        (
            "https://example.com/news/amp_articleshow/72974967.cms",
            "example.com/news/articleshow/72974967.cms",
        ),
        ("https://example.com/news/story?amp", "example.com/news/story"),
        ("https://example.com/news/story?amp=1", "example.com/news/story"),
        ("https://amp.example.com/news/story", "example.com/news/story"),
        ("https://example.com/news/story?output=amp", "example.com/news/story"),
        ("https://example.com/news/story?outputType=amp", "example.com/news/story"),
        # Tracking parameters go, the others stay (sorted).
        ("https://example.com/a?utm_source=x&utm_medium=rss&utm_campaign=y", "example.com/a"),
        ("https://medium.com/p/ccpa-928?source=topic_page---2----1", "medium.com/p/ccpa-928"),
        ("https://example.com/a?ref=hn&fbclid=abc&gclid=def&mod=rss", "example.com/a"),
        ("https://example.com/a?page=2&id=7&utm_source=x", "example.com/a?id=7&page=2"),
        ("https://example.com/watch?v=WJk-Y8LQlfE", "example.com/watch?v=WJk-Y8LQlfE"),
        ("https://example.com/a?output=json", "example.com/a?output=json"),
        # www., scheme, case of the host, ports, trailing slashes, index pages, fragments.
        ("http://www.example.com/a/b/", "example.com/a/b"),
        ("https://WWW.Example.COM:443/a/b", "example.com/a/b"),
        ("http://example.com:80/a/b", "example.com/a/b"),
        ("https://example.com/a/b/index.html", "example.com/a/b"),
        ("https://example.com/a/b#comments", "example.com/a/b"),
        ("https://m.example.com/a/b", "example.com/a/b"),
        # Locale path prefixes.
        ("https://www.example.com/en-us/insights/articles/x", "example.com/insights/articles/x"),
        ("https://www.example.com/en-ca/insights/articles/x", "example.com/insights/articles/x"),
        ("https://example.com/de/artikel/x", "example.com/artikel/x"),
        ("https://example.com/en_GB/a/x", "example.com/a/x"),
        # Not a locale: a two-letter section that is no language stays.
        ("https://example.com/tv/a/x", "example.com/tv/a/x"),
        # Percent-encoding is read, not kept.
        ("https://example.com/caf%C3%A9/x", "example.com/café/x"),
    ],
)
def test_canonical_url_forms(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_forms_of_one_page_agree() -> None:
    forms = [
        "https://www.forbes.com/sites/a/2019/12/17/amazon-tool/",
        "http://forbes.com/sites/a/2019/12/17/amazon-tool",
        "https://www.forbes.com/sites/a/2019/12/17/amazon-tool/amp/",
        "https://www-forbes-com.cdn.ampproject.org/c/s/www.forbes.com/sites/a/2019/12/17/amazon-tool/amp/",
        "https://www.forbes.com/sites/a/2019/12/17/amazon-tool/?utm_source=feed#top",
    ]
    assert len({canonical_url(form) for form in forms}) == 1


@pytest.mark.parametrize("url", [None, "", "mailto:a@example.com", "ftp://example.com/x", "/a/b"])
def test_canonical_url_of_what_is_not_a_page(url: str | None) -> None:
    assert canonical_url(url) is None


def test_different_pages_stay_different() -> None:
    assert canonical_url("https://example.com/a/1") != canonical_url("https://example.com/a/2")
    assert canonical_url("https://example.com/a?id=1") != canonical_url(
        "https://example.com/a?id=2"
    )
    assert canonical_url("https://a.example.com/x") != canonical_url("https://b.example.com/x")


# ---------------------------------------------------------------------------------------------
# Must merge

WIRE = (
    "SPRINGFIELD, Mass. -- Police departments around the U.S. are asking citizens to trust them "
    "to use facial recognition software as another handy tool in their crime-fighting toolbox."
)


def test_the_same_page_under_other_addresses_is_one_story_even_days_apart() -> None:
    articles = [
        art(
            "a", "Toyota to roll out driverless tech in taxis", url="https://www.news.example/t/x/"
        ),
        art(
            "b",
            "Toyota to roll out driverless tech in taxis",
            url="http://news.example/t/x?utm_source=rss",
            hours=24 * 30,
        ),
        art(
            "c",
            "Totally different title",
            url="https://other.example/y",
            amp="https://news.example/t/x/amp",
            hours=5,
        ),
    ]
    result = cluster_articles(articles)
    assert story_sets(articles) == {frozenset("abc")}
    assert "same URL" in result.stories[0].reasons


def test_a_wire_story_under_another_headline_is_one_story() -> None:
    articles = [
        art("abc", "Why some cities and states balk at face recognition tech", WIRE),
        art(
            "pj",
            "Is facial-recognition tech too young to trust? Some governments think so",
            WIRE,
            hours=30,
        ),
        art(
            "usa",
            "Why some cities, states and lawmakers want to curb facial recognition",
            WIRE,
            hours=5,
        ),
    ]
    result = cluster_articles([*background(), *articles])
    assert story_sets(articles) == {frozenset({"abc", "pj", "usa"})}
    assert any("excerpt" in reason for reason in result.stories[0].reasons)


def test_a_reprinted_release_with_the_same_title_is_one_story() -> None:
    title = "Synopsys ARC EV Processor Enables Kyocera to Launch AI-enabled Printer SoC"
    articles = [
        art("pr", title, "The toolkit includes the MetaWare NN Compiler that analyzes networks."),
        art(
            "ee",
            title,
            "Kyocera picked the processor for its next printers, the companies say.",
            hours=2,
        ),
    ]
    result = cluster_articles([*background(), *articles])
    assert story_sets(articles) == {frozenset({"pr", "ee"})}
    assert any(reason.startswith("title 100%") for reason in result.stories[0].reasons)


def test_outlets_reporting_one_announcement_in_their_own_words_are_one_story() -> None:
    articles = [
        art(
            "e1",
            "NTSB says Tesla's Full Self-Driving beta is 'misleading & irresponsible'",
            "The NTSB calls Tesla's approach misleading and irresponsible, chair Homendy said.",
        ),
        art(
            "e2",
            'NTSB chief calls Tesla Full Self-Driving "misleading and irresponsible"',
            "NTSB chair Jennifer Homendy told the Wall Street Journal the name is misleading.",
            hours=20,
        ),
        art("x1", "Hugging Face raises $40 million for its language library", "A funding round."),
        art("x2", "MediaTek chip will power the next 4K smart TVs", "A new chip for televisions."),
    ]
    assert story_sets(articles) == {frozenset({"e1", "e2"})}


# ---------------------------------------------------------------------------------------------
# Must not merge


def test_part_one_and_part_two_of_a_series_stay_apart() -> None:
    excerpt = (
        "In this series we show how to resolve a SageMaker Studio presigned URL from a network."
    )
    articles = [
        art(
            "p1",
            "Secure Amazon SageMaker Studio presigned URLs Part 1: Foundational infrastructure",
            excerpt,
            provider="aws",
        ),
        art(
            "p2",
            "Secure Amazon SageMaker Studio presigned URLs Part 2: Private API with JWT",
            excerpt,
            provider="aws",
            hours=0.1,
        ),
    ]
    assert story_sets(articles) == set()


def test_one_release_template_for_two_companies_stays_apart() -> None:
    articles = [
        art(
            "core",
            "Core Scientific Achieves AWS High Performance Computing Competency Status",
            "BELLEVUE, Wash. /PRNewswire/ -- Core Scientific, a provider of infrastructure for "
            "artificial intelligence and blockchain, announced it achieved the competency.",
        ),
        art(
            "elec",
            "ElectrifAi Achieves AWS Machine Learning Competency Status in Applied AI",
            "Amazon SageMaker brings AI/ML capabilities that fit into any AWS environment, and "
            "ElectrifAi is designed to enhance its capabilities, the company announced.",
            hours=48,
        ),
    ]
    assert story_sets(articles) == set()


def test_a_regulators_criticism_and_the_rollout_days_later_stay_apart() -> None:
    articles = [
        art(
            "ntsb",
            "NTSB critical of Tesla's 'Full Self-Driving' upgrade: 'misleading and irresponsible'",
            "Tesla is readying a major upgrade of its driver-assistance software. The country's "
            "top crash investigator says the move may be premature.",
        ),
        art(
            "roll",
            "Tesla expands Full Self-Driving beta, but only to drivers it deems worthy",
            "Tesla is rolling out a new version of its Full Self-Driving system to owners who "
            "pass a safety score.",
            hours=24 * 5,
        ),
    ]
    assert story_sets(articles) == set()


def test_two_reports_on_one_market_stay_apart() -> None:
    articles = [
        art(
            "tech",
            "The global machine translation market at a CAGR of over 19% in the forecast period",
            "These factors have increased the demand for language translation services.",
        ),
        art(
            "qy",
            "Machine Translation(MT) System Market In-Depth Analysis Report 2019",
            "QY Research offers a study on the global Machine Translation System Market.",
            hours=24 * 3,
        ),
    ]
    assert story_sets(articles) == set()


def test_one_outlets_follow_up_is_not_its_first_story() -> None:
    articles = [
        art(
            "mind",
            "Elon Musk: Tesla's next Full Self-Driving Beta update 'will blow your mind'",
            "Elon Musk now says Tesla's next Full Self-Driving Beta update will blow your mind.",
            provider="electrek",
        ),
        art(
            "hype",
            "Elon Musk hypes Tesla Full Self-Driving Beta driving visualizations with new update",
            "Elon Musk is still hyping the Full Self-Driving beta and claims it is superhuman.",
            provider="electrek",
            hours=14,
        ),
    ]
    assert story_sets(articles) == set()


def test_a_related_entry_alone_does_not_join_two_stories() -> None:
    other = "https://infoq.example/news/sagemaker-studio"
    entry = RelatedArticle(title="Amazon Releases SageMaker Studio IDE", urls=Urls(web=other))
    articles = [
        art(
            "forbes",
            "Amazon Releases A New Tool To Improve Machine Learning Processes",
            "Amazon Rekognition Custom Labels can improve machine learning.",
            related=(entry,),
        ),
        art(
            "infoq",
            "Amazon Releases SageMaker Studio IDE for Machine Learning",
            "An integrated development environment for machine learning.",
            url=other,
            hours=4,
        ),
    ]
    assert story_sets(articles) == set()


def test_the_same_headline_far_apart_in_time_stays_apart() -> None:
    articles = [
        art(
            "y1",
            "Fantasy football insights with Watson",
            "IBM Insights analyses thousands of articles.",
        ),
        art(
            "y2",
            "Fantasy football insights with Watson",
            "IBM Insights analyses thousands of articles.",
            hours=24 * 40,
        ),
    ]
    assert story_sets(articles) == set()


def test_undated_articles_join_only_by_url() -> None:
    a = dataclasses.replace(art("u1", "Same title of some length here", WIRE), published=None)
    b = dataclasses.replace(art("u2", "Same title of some length here", WIRE), published=None)
    c = dataclasses.replace(b, id="u3", urls=a.urls)
    assert story_sets([a, b]) == set()
    assert story_sets([a, b, c]) == {frozenset({"u1", "u3"})}


# ---------------------------------------------------------------------------------------------
# Leads, ids, order


def test_the_lead_is_the_best_then_the_earliest_then_the_id() -> None:
    title = "Artificial intelligence tracks down leukemia in blood samples"
    articles = [
        art("m", title, hours=5, quality=50),
        art("k", title, hours=1, quality=80),
        art("j", title, hours=0, quality=80),
        art("z", title, hours=-1, quality=None),
    ]
    (story,) = cluster_articles([*background(), *articles]).stories
    assert story.lead == story.id == "j"
    assert story.members == ("j", "z", "k", "m")  # the lead, then by date
    assert story.size == 4
    assert story.to_json()["members"] == ["j", "z", "k", "m"]
    tie = [art("b", title, quality=10), art("a", title, quality=10)]
    assert cluster_articles([*background(), *tie]).stories[0].lead == "a"


def test_stories_do_not_depend_on_the_order_of_the_articles() -> None:
    articles = [
        art("abc", "Why some cities and states balk at face recognition tech", WIRE),
        art("pj", "Is facial-recognition tech too young to trust?", WIRE, hours=30),
        art("s1", "Samsung in talks with Tesla to make next-gen self-driving chips", hours=2),
        art(
            "s2", "Samsung in talks with Tesla to make next-gen self-driving chips -report", hours=3
        ),
        art("x", "Hugging Face raises $40 million", "Funding."),
    ]
    articles = [*background(), *articles]
    expected = cluster_articles(articles).stories
    assert len(expected) == 2
    for seed in range(5):
        shuffled = list(articles)
        random.Random(seed).shuffle(shuffled)
        assert cluster_articles(shuffled).stories == expected


def test_an_article_alone_is_its_own_story() -> None:
    result = cluster_articles([art("a", "One"), art("b", "Two")])
    assert len(result) == 0
    assert result.story_of("a") is None
    assert result.story_id("a") == "a"
    assert cluster_articles([]) == Clusters()


# ---------------------------------------------------------------------------------------------
# Cache


def _collection() -> list[Article]:
    return [
        *background(),
        art("abc", "Why some cities and states balk at face recognition tech", WIRE),
        art("pj", "Is facial-recognition tech too young to trust?", WIRE, hours=30),
        art("x", "Hugging Face raises $40 million", "Funding."),
    ]


def test_a_warm_call_reads_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    articles = _collection()
    cold = cluster_articles_cached(articles, tmp_path)
    assert [s.members for s in cold.stories] == [("abc", "pj")]

    def fail(*args: object, **kwargs: object) -> Clusters:
        raise AssertionError("clustered again")

    monkeypatch.setattr(clusters_module, "cluster_articles", fail)
    warm = cluster_articles_cached(articles, tmp_path)
    assert warm.stories == cold.stories
    assert warm.story_id("pj") == cold.story_id("pj")
    assert not list(tmp_path.glob(".clusters-*"))  # no temp file left behind


def test_a_changed_collection_is_clustered_again(tmp_path: Path) -> None:
    articles = _collection()
    assert len(cluster_articles_cached(articles, tmp_path)) == 1
    edited = list(articles)
    edited[-2] = dataclasses.replace(edited[-2], excerpt="Else entirely.", title="Other story")
    assert len(cluster_articles_cached(edited, tmp_path)) == 0
    added = [*articles, art("usa", "Why some cities want to curb face recognition", WIRE, hours=2)]
    assert cluster_articles_cached(added, tmp_path).stories[0].size == 3
    removed = [a for a in articles if a.id != "pj"]
    assert len(cluster_articles_cached(removed, tmp_path)) == 0


def test_the_key_follows_what_clustering_reads() -> None:
    articles = _collection()
    key = clustering_key(articles)
    assert clustering_key(list(articles)) == key
    assert clustering_key(articles[:2]) != key
    changed = dataclasses.replace(articles[-1], published=T0 + timedelta(days=1))
    assert clustering_key([*articles[:-1], changed]) != key
    assert clustering_key(articles, use_related=False) != key


@pytest.mark.parametrize(
    "content", [b"", b"{", b"\x00\xff garbage", b'{"key": 1}', b'{"key": "K", "stories": [[1]]}']
)
def test_a_corrupt_cache_file_reads_as_missing(tmp_path: Path, content: bytes) -> None:
    articles = _collection()
    key = clustering_key(articles)
    path = tmp_path / f"clusters-v{clusters_module.CACHE_VERSION}-{key}.json"
    path.write_bytes(content.replace(b"K", key.encode()))
    result = cluster_articles_cached(articles, tmp_path)
    assert [s.members for s in result.stories] == [("abc", "pj")]
    assert json.loads(path.read_text())["key"] == key  # rewritten


def test_an_unwritable_cache_folder_only_costs_speed(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = cluster_articles_cached(_collection(), blocker / "cache")
    assert len(result) == 1
