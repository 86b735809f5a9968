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
