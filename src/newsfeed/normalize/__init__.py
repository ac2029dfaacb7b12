"""Pure normalization steps: dates, URLs, images, HTML."""
