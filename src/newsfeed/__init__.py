"""newsfeed: publish Hexo news posts as valid per-category RSS and Atom feeds."""
