"""The engine: ``publish``, ``load_articles`` and ``load_article`` all run it.

- :mod:`~newsfeed.build.stages`: the order of the stages (the only module that knows
  it) and the public entry points that run them;
- :mod:`~newsfeed.build.posts`: phases one and two for many posts at once (post keys,
  then finished articles), from the build cache when unchanged;
- :mod:`~newsfeed.build.pool`: the worker processes;
- :mod:`~newsfeed.build.fingerprints`: what makes a feed, or the whole build,
  unchanged.

Nothing is imported here: a rebuild where nothing changed must not load the
parsers, the feed libraries or ``multiprocessing``.
"""
