"""Post files to :class:`~newsfeed.model.RawPost`: find them, read them, split and load
their front matter.

- :mod:`~newsfeed.sources.files`: find the post files (the standard library only);
- :mod:`~newsfeed.sources.posts`: read one post file (bytes, text, front matter).

Nothing is imported here: a rebuild where nothing changed imports
:mod:`newsfeed.sources.files` alone, and must not load a YAML parser.
"""
