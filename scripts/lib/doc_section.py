"""Writes one generated section of a Markdown file (docs/benchmarks.md) in place.

Usage: doc_section.py FILE NAME [HEADING] < BODY

The body goes between `<!-- NAME:start -->` and `<!-- NAME:end -->`. If the markers are there,
only what lies between them is replaced, so the rest of the file (other benchmarks' sections,
hand-written commentary) is kept; otherwise the marked body is appended, after `## HEADING`
when one is given.
"""
import re
import sys

path, name = sys.argv[1:3]
heading = sys.argv[3] if len(sys.argv) > 3 else ""
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
    title = f"## {heading}\n\n" if heading else ""
    text = text.rstrip("\n") + f"\n\n{title}{block}\n"
with open(path, "w") as out:
    out.write(text)
