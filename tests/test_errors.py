"""The exception tree is whole: one root, context on every error, and every class survives
pickling (a worker process hands its errors back to the build that way)."""

from __future__ import annotations

import concurrent.futures
import importlib
import inspect
import pickle
import pkgutil

import pytest

import newsfeed
from newsfeed.errors import (
    ArticleError,
    ConfigError,
    DateValueError,
    NewsfeedError,
    SiteError,
    SourceError,
)


def _every_error_class() -> list[type[NewsfeedError]]:
    """Every subclass of NewsfeedError in newsfeed, found by walking the tree (every
    module imported first), so that a class added later cannot be forgotten here."""
    for module in pkgutil.walk_packages(newsfeed.__path__, "newsfeed."):
        if module.name != "newsfeed.__main__":
            importlib.import_module(module.name)
    found: set[type[NewsfeedError]] = set()
    todo: list[type[NewsfeedError]] = [NewsfeedError]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("newsfeed") and cls not in found:
            found.add(cls)
            todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__qualname__)


def _example(cls: type[NewsfeedError]) -> tuple[NewsfeedError, dict[str, object]]:
    """An instance of ``cls`` built from its own signature, and the argument of each
    named parameter (a distinct value each, a non-string where any object is taken)."""
    args: list[object] = []
    kwargs: dict[str, object] = {}
    named: dict[str, object] = {}
    try:
        params = inspect.signature(cls).parameters
    except ValueError:  # Exception's own constructor: any positional arguments
        return cls(f"<message of {cls.__name__}>"), {}
    for name, param in params.items():
        value: object = (
            7 if param.annotation in ("object", object) else f"<{name} of {cls.__name__}>"
        )
        if param.kind is param.KEYWORD_ONLY:
            kwargs[name] = named[name] = value
        elif param.kind is not param.VAR_KEYWORD:
            args.append(value)
            named[name] = value
    return cls(*args, **kwargs), named


ERRORS = _every_error_class()


def test_the_tree_is_found() -> None:
    """Every error class a user catches is among those checked to cross a process intact."""
    assert {
        NewsfeedError,
        ConfigError,
        ArticleError,
        DateValueError,
        SourceError,
        SiteError,
    } <= set(ERRORS)


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__qualname__)
def test_every_error_survives_pickling(cls: type[NewsfeedError]) -> None:
    """An error raised in a worker process reaches the build intact (not BrokenProcessPool)."""
    error, named = _example(cls)
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is cls
    assert str(again) == str(error) and again.args == error.args
    assert vars(again) == vars(error)
    for name, value in named.items():
        if name == "message":
            assert str(value) in str(again)
        else:  # every other argument is kept as the attribute of its name
            assert getattr(again, name) == value


def test_article_error_keeps_its_context_through_pickling() -> None:
    """The report of a post that failed in a worker still names its file and field."""
    again = pickle.loads(pickle.dumps(ArticleError("posts/a.md", "date", "not a date")))
    assert str(again) == "posts/a.md: date: not a date"
    assert (again.path, again.field, again.message) == ("posts/a.md", "date", "not a date")


def _fail_in_worker(path: str) -> None:
    raise ArticleError(path, "updated", "out of range")


def test_an_article_error_crosses_a_process_pool() -> None:
    """A post that fails inside a pool worker is one reported error, not a lost build."""
    with concurrent.futures.ProcessPoolExecutor(1) as pool:
        future = pool.submit(_fail_in_worker, "big.md")
        with pytest.raises(ArticleError) as info:
            future.result(timeout=60)
    assert (info.value.path, info.value.field, info.value.message) == (
        "big.md",
        "updated",
        "out of range",
    )


def test_whole_build_errors_carry_their_path() -> None:
    """A failed build says which folder or file it could not use, and is still an OSError."""
    source = SourceError("source folder 'x' does not exist", path="x")
    site = SiteError("refusing to replace out/a: not a plain file", path="out/a")
    assert (source.path, str(source)) == ("x", "source folder 'x' does not exist")
    assert (site.path, str(site)) == ("out/a", "refusing to replace out/a: not a plain file")
    assert isinstance(source, OSError) and isinstance(site, OSError)
    assert SiteError("no path known").path == ""


def test_value_errors_stay_value_errors() -> None:
    """Callers that catch ValueError keep catching bad configuration, posts and dates."""
    for cls in (ConfigError, ArticleError, DateValueError):
        assert issubclass(cls, ValueError) and issubclass(cls, NewsfeedError)
