"""brush: a TextStyleBrush-style generator that rewrites the text in an image, keeping its look."""
