"""Renderers: turn a feed into the bytes of a document format."""
