"""Two-word texts of an eval's readings.csv: how many are read exactly, how many lose only the
space between the words, and how many have every letter right ignoring case and spaces.
Usage: python space_loss.py EVAL_FOLDER_OR_READINGS_CSV..."""
import csv
import sys

for folder in sys.argv[1:]:
    path = folder if folder.endswith(".csv") else f"{folder}/readings.csv"
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    two = [r for r in rows if len(r["text"].split()) == 2]
    exact = sum(r["reading"] == r["text"] for r in two)
    space_only = sum(r["reading"] == r["text"].replace(" ", "") for r in two)
    letters = sum(r["reading"].replace(" ", "").lower() == r["text"].replace(" ", "").lower() for r in two)
    print(f"{folder}: {len(two)} two-word texts: exact {exact / len(two):.1%}, only the space lost {space_only / len(two):.1%}, "
          f"letters right (case and spaces aside) {letters / len(two):.1%}")
