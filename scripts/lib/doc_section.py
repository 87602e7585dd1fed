"""Writes one generated section of a Markdown file (docs/benchmarks.md) in place.

Usage: doc_section.py FILE NAME HEADING < BODY

The body goes between `<!-- NAME:start -->` and `<!-- NAME:end -->`. If the markers are there,
only what lies between them is replaced, so the rest of the file (other benchmarks' sections,
hand-written commentary) is kept; otherwise `## HEADING` and the marked body are appended.
"""
import re
import sys

path, name, heading = sys.argv[1:4]
body = sys.stdin.read().strip("\n")
start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
block = f"{start}\n{body}\n{end}"
try:
    text = open(path).read()
except FileNotFoundError:
    text = "# Benchmarks\n"
if start in text:
    text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
else:
    text = text.rstrip("\n") + f"\n\n## {heading}\n\n{block}\n"
with open(path, "w") as out:
    out.write(text)
