"""fontsynth: synthetic text-image data from thousands of fonts."""

__version__ = "0.1.0"
