"""`reader.history`: back and forward over jumps, bounded, without duplicates."""

from __future__ import annotations

from reader.history import History


def test_back_and_forward_like_a_browser():
    history = History()
    history.jumped("a", "b")
    history.jumped("b", "c")
    assert history.back("c") == "b"
    assert history.back("b") == "a"
    assert history.back("a") is None
    assert history.forward("a") == "b"
    assert history.forward("b") == "c"
    assert history.forward("c") is None


def test_a_new_jump_drops_the_forward_steps():
    history = History()
    history.jumped("a", "b")
    assert history.back("b") == "a"
    history.jumped("a", "x")
    assert not history.can_go_forward
    assert history.back("x") == "a"


def test_going_back_and_forth_does_not_grow_it():
    history = History()
    history.jumped("a", "b")
    for _ in range(50):
        assert history.back("b") == "a"
        assert history.forward("a") == "b"
    assert len(history) == 1
    history.jumped("b", "b")  # a jump to where one is: nothing to remember
    history.jumped("b", "a")
    history.jumped("a", "b")
    history.jumped("b", "a")
    assert history.back("a") == "b"
    assert history.back("b") == "a"


def test_it_is_bounded_and_skips_articles_that_are_gone():
    history = History(limit=3)
    for n in range(10):
        history.jumped(str(n), str(n + 1))
    assert len(history) == 3
    gone = {"8"}
    assert history.back("10", exists=lambda i: i not in gone) == "9"
    assert history.back("9", exists=lambda i: i not in gone) == "7"
    assert history.back("7") is None
