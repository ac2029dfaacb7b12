"""Hexo site mode: a Hexo site's ``_config.yml`` and hexo-generator-feed's options as
configuration (:mod:`~newsfeed.hexo.site`, :mod:`~newsfeed.hexo.plugin`), and the
plugin's feed autodiscovery links in the pages Hexo wrote
(:mod:`~newsfeed.hexo.autodiscovery`)."""
