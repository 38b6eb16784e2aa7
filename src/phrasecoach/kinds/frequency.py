"""How common a word is in everyday English, from the `wordfreq` package.

The acronym rule asks it whether a token is widely known: "ATM" and "PDF" are in everyday
English (Zipf 3.8), "ETD" and "RMA" are not (1.7, 2.6). wordfreq and its word list load on the
first lookup, not on import: about 0.1 s and some 40 MB, paid only by a process that checks a
message with capitals in it.

The Zipf scale is log10 of a word's frequency per billion words: 7 for "the", 6 for "say", 4 for
"whisper", 0 for a word wordfreq has never seen.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=16384)
def zipf(word: str) -> float:
    """The Zipf frequency of `word` (looked up in lower case) in general English."""
    from wordfreq import zipf_frequency  # lazy: the import and its data load on first use

    return zipf_frequency(word.lower(), "en")
