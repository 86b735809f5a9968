"""The model's dataclasses: the quicker `__init__` behaves exactly as the dataclass's own."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

from reader.model import Article, Image, Problem, Provider, RelatedArticle, Urls

QUICK = [Urls, Provider, Image, RelatedArticle, Article, Problem]


def plain_twin(cls: type) -> type:
    """The same fields in an ordinary frozen, slotted dataclass (its generated `__init__`)."""
    specs = [
        (f.name, f.type, dataclasses.field(default=f.default, default_factory=f.default_factory))
        for f in dataclasses.fields(cls)
    ]
    return dataclasses.make_dataclass("Twin", specs, frozen=True, slots=True)


@pytest.mark.parametrize("cls", QUICK, ids=lambda c: c.__name__)
def test_signature_is_the_dataclass_signature(cls: type) -> None:
    assert str(inspect.signature(cls)) == str(inspect.signature(plain_twin(cls)))


@pytest.mark.parametrize("cls", QUICK, ids=lambda c: c.__name__)
def test_defaults_and_factories(cls: type) -> None:
    required = {
        f.name: f"value of {f.name}"
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    ours, theirs = cls(**required), plain_twin(cls)(**required)
    for spec in dataclasses.fields(cls):
        assert getattr(ours, spec.name) == getattr(theirs, spec.name), spec.name
    factories = [
        f.name for f in dataclasses.fields(cls) if f.default_factory is not dataclasses.MISSING
    ]
    again = cls(**required)
    for name in factories:  # a fresh value per instance, never one shared default
        if isinstance(getattr(again, name), dict):
            assert getattr(again, name) is not getattr(ours, name)


def test_positional_keyword_frozen_replace_pickle() -> None:
    article = Article("id1", "a.md", "Title", quality=3, urls=Urls(web="https://x.example/"))
    assert (article.id, article.path, article.title, article.quality) == ("id1", "a.md", "Title", 3)
    assert article.urls.web == "https://x.example/" and article.extra == {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        article.title = "changed"  # type: ignore[misc]
    renamed = dataclasses.replace(article, id="id2")
    assert renamed.id == "id2" and renamed.title == "Title"
    assert pickle.loads(pickle.dumps(article)) == article
    with pytest.raises(TypeError):
        Article("only-an-id")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Article("i", "p", "t", unknown=1)  # type: ignore[call-arg]


def test_slim_article_is_the_article_without_its_detail() -> None:
    """slim_article builds the copy field by field: every field but the left-out ones (and the
    slim flags that say what they held) comes through as it is, fields added later included
    (each is given an object of its own here, whatever its type)."""
    from reader.model import SLIM_EXTRA, slim_article

    left_out = {"body": "", "images": (), "related": (), "extra": SLIM_EXTRA}
    flags = {"slim": True, "slim_body": True, "slim_related": 2, "slim_images": 1}
    carried = {
        spec.name: object()
        for spec in dataclasses.fields(Article)
        if spec.name not in left_out and spec.name not in flags
    }
    full = Article(
        **carried,
        body="Body text",
        images=(Image("https://p.example/i.jpg"),),
        related=(RelatedArticle("Other"), RelatedArticle("Another")),
        extra={"secured": "token"},
    )
    slim = slim_article(full)
    for name, value in carried.items():
        assert getattr(slim, name) is value, name
    for name, value in {**left_out, **flags}.items():
        assert getattr(slim, name) == value, name
    assert slim.extra is SLIM_EXTRA and slim_article(slim) is slim
    assert (slim.has_body, slim.related_count, slim.image_count) == (True, 2, 1)
