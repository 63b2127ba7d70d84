"""Models trained on fontsynth shards: a VGG16 typeface classifier and a TRBA recognizer."""
