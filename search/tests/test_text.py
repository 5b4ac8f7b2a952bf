"""search.text: what a word is, what a query holds, and safe snippets."""

from search.text import highlight, normalize, parse


def test_normalize_drops_case_accents_nul_and_surrogates():
    assert normalize("Crème BRÛLÉE\x00\ud800x") == "creme brulee  x"


def test_parse_keeps_words_and_phrases_only():
    query = parse('Gadget "big  red" -pro* OR sku:A-1 "')
    assert query.terms == ("gadget", "pro", "or", "sku", "a", "1")
    assert query.phrases == (("big", "red"),)
    assert not parse("*&|!():\"'")
    assert parse('"single"').terms == ("single",)


def test_parse_keeps_at_most_sixteen_words():
    assert len(parse(" ".join(f"w{n}" for n in range(40))).terms) == 16


def test_highlight_marks_words_and_escapes_the_rest():
    query = parse("gadg")
    assert highlight("<b>Gadget</b> & gadgets", query) == (
        "&lt;b&gt;<mark>Gadget</mark>&lt;/b&gt; &amp; <mark>gadgets</mark>"
    )


def test_highlight_cuts_around_the_first_match():
    text = " ".join(["filler"] * 60) + " needle " + " ".join(["tail"] * 60)
    snippet = highlight(text, parse("needle"), length=60)
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "<mark>needle</mark>" in snippet
    assert len(snippet) < 100
