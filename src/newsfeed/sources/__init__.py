"""Post files to :class:`~newsfeed.model.RawPost`: find them, read them, split and load
their front matter. One job per module:

- :mod:`~newsfeed.sources.files`: find the post files (the standard library only);
- :mod:`~newsfeed.sources.read`: a file's bytes, decoded and cleaned;
- :mod:`~newsfeed.sources.frontmatter`: the python-frontmatter handler for Hexo's
  front matter (split, detect, load);
- :mod:`~newsfeed.sources.quick_yaml`: front matter of the common shape, without the
  YAML parser;
- :mod:`~newsfeed.sources.yaml_data`: YAML to bounded plain data, and ``_config.yml``;
- :mod:`~newsfeed.sources.recover`: invalid YAML, read line by line;
- :mod:`~newsfeed.sources.posts`: the composition (``read_post``, ``read_meta``).

Nothing is imported here: a rebuild where nothing changed imports
:mod:`newsfeed.sources.files` alone, and must not load a YAML parser.
"""
