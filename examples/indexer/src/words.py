"""The words of a note's text, as the index keeps them."""
import re

_WORD = re.compile(r"[0-9a-z]+")


def words(text):
    """The distinct words of text: runs of letters and digits, lower case.

    Not a string (a missing attribute, a number): no words.
    """
    if not isinstance(text, str):
        return set()
    return set(_WORD.findall(text.lower()))
