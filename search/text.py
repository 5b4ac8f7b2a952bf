"""Text as the search sees it: normalized words, parsed queries, highlighted snippets.

Every backend matches normalized text: lower case, without accents ("Café" and "cafe"
are the same word), words being runs of letters and digits. Records are normalized when
indexed and queries when asked, here, so that the database backends and Elasticsearch
agree on what a word is.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.html import escape

WORD = re.compile(r"[^\W_]+")
PHRASE = re.compile(r'"([^"]*)"')
# Characters no text may hold: NUL and lone surrogates (which no encoding can write).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MAX_TERMS = 16
SNIPPET_LENGTH = 160


def normalize(text: str) -> str:
    """`text` in lower case, without accents, NUL or lone surrogates."""
    text = UNSTORABLE.sub(" ", text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def words(text: str) -> list[str]:
    return WORD.findall(normalize(text))


@dataclass(frozen=True)
class Query:
    """A parsed query: words each record must hold (as a word or the start of one), and
    quoted phrases whose words must follow each other."""

    terms: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    raw: str = field(default="", compare=False)

    @property
    def words(self) -> list[str]:
        """Every word of the query, phrases' included, each once."""
        seen = dict.fromkeys([*self.terms, *(word for phrase in self.phrases for word in phrase)])
        return list(seen)

    def __bool__(self) -> bool:
        return bool(self.terms or self.phrases)


def parse(raw: str) -> Query:
    """The words and "quoted phrases" of `raw`; anything else (operators, punctuation,
    an unbalanced quote) is a separator. At most MAX_TERMS words are kept."""
    text = UNSTORABLE.sub(" ", raw)
    phrases = []
    for match in PHRASE.finditer(text):
        phrase = tuple(words(match.group(1)))
        if len(phrase) > 1:
            phrases.append(phrase)
        elif phrase:  # a one-word phrase is a word
            text = text.replace(match.group(0), f" {phrase[0]} ", 1)
            continue
        text = text.replace(match.group(0), " ", 1)
    terms = list(dict.fromkeys(words(text)))
    budget = MAX_TERMS
    kept_phrases = []
    for phrase in phrases:
        if len(phrase) <= budget:
            kept_phrases.append(phrase[:budget])
            budget -= len(phrase)
    return Query(tuple(terms[:budget]), tuple(kept_phrases), raw)


def matches(text: str, query: Query) -> bool:
    """Whether normalized `text` holds a word of the query (a word starting with it)."""
    found = set(words(text))
    return any(word.startswith(term) for term in query.words for word in found)


def highlight(text: str, query: Query, length: int = SNIPPET_LENGTH) -> str:
    """HTML: the part of `text` around the first word matching the query, at most about
    `length` characters, with the matching words in <mark>, everything else escaped."""
    terms = query.words
    spans = [
        match.span()
        for match in WORD.finditer(text)
        if any(normalize(match.group(0)).startswith(term) for term in terms)
    ]
    if spans:
        start = max(0, spans[0][0] - length // 3)
        # Start at a word boundary.
        if start:
            space = text.find(" ", start, spans[0][0])
            start = space + 1 if space != -1 else start
    else:
        start = 0
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    pieces, cursor = [], start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        pieces.append(escape(text[cursor:span_start]))
        pieces.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    pieces.append(escape(text[cursor:end]))
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    return prefix + "".join(pieces).strip() + suffix
